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

/**
 * Computes what changed since the previous finished scan of the same host
 * and type and stores it with the scan's result, inside the terminal
 * write's transaction (the fenced row is locked by then). Returns the count
 * for `change_count`: null when the scan does not end COMPLETED or PARTIAL,
 * or has no earlier finished scan to compare with (the host's first).
 */
export async function storeChanges(
  client: pg.PoolClient,
  scanId: string,
  status: ScanStatus,
): Promise<number | null> {
  if (!COMPARED.includes(status)) return null;
  const row = (await client.query<ComparedRow>(sql.RESULTS_TO_COMPARE, [scanId])).rows[0];
  if (!row?.current || !row.previous_id) return null;
  // A finished previous scan has a result row; an empty one would compare no section.
  const changes = diffResults(row.previous_id, row.previous ?? {}, row.current);
  await client.query(sql.STORE_CHANGES, [scanId, JSON.stringify(changes)]);
  return changes.count;
}
