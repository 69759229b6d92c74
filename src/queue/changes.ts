import type pg from 'pg';

import { diffResults } from '../domain/changes';
import type { ScanResultData } from '../domain/result';
import { ScanStatus } from '../domain/states';
import * as sql from './sql';

interface ComparedRow {
  current: ScanResultData | null;
  previous_id: string | null;
  previous: ScanResultData | null;
}

/** Statuses whose result is worth comparing, and that later scans compare with. */
const COMPARED: readonly ScanStatus[] = [ScanStatus.COMPLETED, ScanStatus.PARTIAL];

/** What finish stores: the changes document (JSON text) and its count. */
export interface ComputedChanges {
  json: string;
  count: number;
}

/**
 * Computes what changed since the previous finished scan of the same host
 * and type, for the terminal write to store with the scan's result. Null
 * when the scan does not end COMPLETED or PARTIAL, or has no earlier
 * finished scan to compare with (the host's first). Read before the
 * terminal write, outside it: only this fenced attempt writes the scan's
 * result, and the previous scan of its host and type has ended (one is
 * active at a time), so neither side can change in between.
 */
export async function computeChanges(
  pgPool: Pick<pg.Pool, 'query'>,
  scanId: string,
  status: ScanStatus,
): Promise<ComputedChanges | null> {
  if (!COMPARED.includes(status)) return null;
  const row = (await pgPool.query<ComparedRow>(sql.RESULTS_TO_COMPARE, [scanId])).rows[0];
  if (!row?.current || !row.previous_id) return null;
  // A finished previous scan has a result row; an empty one would compare no section.
  const changes = diffResults(row.previous_id, row.previous ?? {}, row.current);
  return { json: JSON.stringify(changes), count: changes.count };
}
