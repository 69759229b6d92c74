import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { ScanType, Transport } from '../domain/states';
import type { ScanRow } from './rows';
import * as sql from './sql';

/** One scan of a batch, already validated (canonical hostname, port set). */
export interface BatchScan {
  readonly hostname: string;
  readonly port: number;
  readonly transport: Transport;
  readonly username: string | null;
  readonly credentialId: string | null;
  readonly idempotencyKey: string | null;
}

/** What every scan of a batch shares. */
export interface BatchOptions {
  readonly type: ScanType;
  readonly priority: number;
  readonly timeoutSeconds: number;
  readonly requestedBy: string;
  readonly maxAttempts: number;
  readonly pool: string;
  readonly refreshMetadata: boolean;
}

/** Per scan of the batch, in its order: the new row, or null when it conflicted. */
export interface BatchInsert {
  readonly rows: ReadonlyArray<ScanRow | null>;
  /**
   * For a scan left out because its host and type had an active scan: that
   * scan's id, by `hostKey`. Absent when the other scan ended before it
   * was read back (or the conflict was an idempotency key).
   */
  readonly activeIds: ReadonlyMap<string, string>;
}

/** The key of `activeIds`. */
export const hostKey = (hostname: string, port: number): string => `${hostname} ${port}`;

/**
 * Inserts every scan of the batch that can start, with its first event, in
 * one statement (`INSERT_SCANS`), then, only when some conflicted, reads the
 * active scans in their way in one more. The scans must name distinct
 * (hostname, port) pairs: two scans of one host and type in one statement
 * would both pass the check and one would trip the unique index.
 * `db` may be a client inside the caller's transaction.
 */
export async function insertScanBatch(
  db: pg.Pool | pg.ClientBase,
  scans: readonly BatchScan[],
  options: BatchOptions,
): Promise<BatchInsert> {
  if (scans.length === 0) return { rows: [], activeIds: new Map() };
  const ids = scans.map(() => randomUUID());
  const res = await db.query<ScanRow>(sql.INSERT_SCANS, [
    ids,
    scans.map((s) => s.hostname),
    scans.map((s) => s.port),
    scans.map((s) => s.transport),
    scans.map((s) => s.username),
    scans.map((s) => s.credentialId),
    scans.map((s) => s.idempotencyKey),
    options.type,
    options.priority,
    options.timeoutSeconds,
    options.requestedBy,
    options.maxAttempts,
    options.pool,
    options.refreshMetadata,
  ]);
  const byId = new Map(res.rows.map((r) => [r.id, r]));
  const rows = ids.map((id) => byId.get(id) ?? null);
  const activeIds = new Map<string, string>();
  const missed = scans.filter((_, i) => rows[i] === null);
  if (missed.length > 0) {
    const active = await db.query<{ id: string; hostname: string; port: number }>(
      sql.FIND_ACTIVE_SCANS,
      [missed.map((s) => s.hostname), missed.map((s) => s.port), options.type],
    );
    for (const a of active.rows) activeIds.set(hostKey(a.hostname, a.port), a.id);
  }
  return { rows, activeIds };
}
