/**
 * The scans table's data: the first page from the `scans` query, kept live by
 * `scanUpdates`. The subscription starts first and the page is read after it,
 * so no change between the two is lost; each row keeps whichever copy has the
 * higher `lastSeq`. Each time the connection comes (back) up, the page is
 * read again: scanUpdates does not replay events sent while it was down.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import { type ApiError, graphql, toApiError } from './api';
import { SCAN_UPDATES, type ScanRow, SCANS, type ScansData, type ScanUpdatesData } from './queries';
import { useSession } from './session';

export const PAGE_SIZE = 50;

export interface LiveScans {
  rows: ScanRow[];
  totalCount: number | null;
  loading: boolean;
  error: ApiError | null;
  /** Puts a row the user just got back from a mutation into the table. */
  upsert(row: ScanRow): void;
}

const newestFirst = (a: ScanRow, b: ScanRow): number =>
  b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

export function useLiveScans(): LiveScans {
  const { token, live } = useSession();
  const byId = useRef(new Map<string, ScanRow>());
  const [rows, setRows] = useState<ScanRow[]>([]);
  const [totalCount, setTotalCount] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const publish = useCallback(() => {
    setRows([...byId.current.values()].sort(newestFirst).slice(0, PAGE_SIZE));
  }, []);

  const upsert = useCallback(
    (row: ScanRow) => {
      const known = byId.current.get(row.id);
      if (known && known.lastSeq > row.lastSeq) return;
      if (!known) setTotalCount((n) => (n === null ? n : n + 1));
      byId.current.set(row.id, row);
      publish();
    },
    [publish],
  );

  useEffect(() => {
    let stopped = false;
    const load = async (): Promise<void> => {
      try {
        const data = await graphql<ScansData>(token, SCANS, { first: PAGE_SIZE });
        if (stopped) return;
        for (const { node } of data.scans.edges) {
          const known = byId.current.get(node.id);
          if (!known || known.lastSeq <= node.lastSeq) byId.current.set(node.id, node);
        }
        setTotalCount(data.scans.totalCount);
        setError(null);
        publish();
      } catch (e) {
        if (!stopped) setError(toApiError(e));
      } finally {
        if (!stopped) setLoading(false);
      }
    };
    const unsubscribe = live.subscribe<ScanUpdatesData>(
      SCAN_UPDATES,
      {},
      {
        next: (data) => upsert(data.scanUpdates.scan),
        error: (e) => {
          if (!stopped) setError(toApiError(e));
        },
      },
    );
    // Each (re)connection: read the page again, once the socket (and so,
    // very nearly, the subscription) is up.
    const offState = live.onState((s) => {
      if (s === 'live') void load();
    });
    void load();
    return () => {
      stopped = true;
      unsubscribe();
      offState();
    };
  }, [token, live, publish, upsert]);

  return { rows, totalCount, loading, error, upsert };
}
