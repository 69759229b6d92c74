import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { ScanRow } from '../../src/queue/rows';
import * as sql from '../../src/queue/sql';

let hostCounter = 0;

/** Inserts a PENDING scan the way startScan does (host row, scan row, event seq 1). */
export async function insertScan(
  pool: pg.Pool,
  options: {
    hostname?: string;
    type?: 'QUICK' | 'FULL';
    transport?: 'SSH' | 'LOCAL';
    priority?: number;
    maxAttempts?: number;
    port?: number;
    username?: string;
    pool?: string;
  } = {},
): Promise<ScanRow> {
  const hostname = options.hostname ?? `host-${process.pid}-${++hostCounter}.test`;
  const host = (await pool.query<{ id: string }>(sql.UPSERT_HOST, [hostname, options.port ?? 22]))
    .rows[0]!;
  const res = await pool.query<ScanRow>(sql.INSERT_SCAN, [
    randomUUID(),
    host.id,
    options.type ?? 'QUICK',
    options.transport ?? 'SSH',
    options.username ?? null,
    null,
    options.priority ?? 0,
    600,
    null,
    'test',
    options.maxAttempts ?? 3,
    options.pool ?? 'default',
  ]);
  return res.rows[0]!;
}

export async function scanRow(pool: pg.Pool, id: string): Promise<ScanRow> {
  return (await pool.query<ScanRow>(sql.SCAN_BY_ID, [id])).rows[0]!;
}

export async function eventsOf(
  pool: pg.Pool,
  id: string,
): Promise<Array<{ seq: number; status: string; step: string | null; progress: number }>> {
  return (
    await pool.query(
      `select seq, status, step, progress from scan_events where scan_id = $1 order by seq`,
      [id],
    )
  ).rows;
}

/** Makes every RUNNING lease look expired. */
export async function expireLeases(pool: pg.Pool): Promise<void> {
  await pool.query(
    `update scans set lease_expires_at = now() - interval '1 second' where status = 'RUNNING'`,
  );
}
