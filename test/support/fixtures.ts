/**
 * Rows the tests write and read directly: scans inserted the way startScan
 * writes them, a scan's row, event log and steps, and a poll-until helper.
 */
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { claimScan } from '../../src/queue/claim';
import type { ScanEventRow, ScanRow } from '../../src/queue/rows';
import * as sql from '../../src/queue/sql';

let hostCounter = 0;

/** A pool or one of its checked-out clients (say, inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;

export interface InsertScanOptions {
  /** @default a hostname unique to this process */
  hostname?: string;
  /** @default 'QUICK' */
  type?: 'QUICK' | 'FULL';
  /** @default 'SSH' */
  transport?: 'SSH' | 'LOCAL';
  /** @default 0 */
  priority?: number;
  /** @default 3 */
  maxAttempts?: number;
  /** @default 22 */
  port?: number;
  /** @default null */
  username?: string;
  /** The worker pool. @default 'default' */
  pool?: string;
  /** @default 600 */
  timeoutSeconds?: number;
  /** @default 'test' */
  requestedBy?: string;
}

/** Inserts a PENDING scan the way startScan does (host row, scan row, event seq 1). */
export async function insertScan(db: Queryable, options: InsertScanOptions = {}): Promise<ScanRow> {
  const hostname = options.hostname ?? `host-${process.pid}-${++hostCounter}.test`;
  const host = (await db.query<{ id: string }>(sql.UPSERT_HOST, [hostname, options.port ?? 22]))
    .rows[0]!;
  const res = await db.query<ScanRow>(sql.INSERT_SCAN, [
    randomUUID(),
    host.id,
    options.type ?? 'QUICK',
    options.transport ?? 'SSH',
    options.username ?? null,
    null,
    options.priority ?? 0,
    options.timeoutSeconds ?? 600,
    null,
    options.requestedBy ?? 'test',
    options.maxAttempts ?? 3,
    options.pool ?? 'default',
    false, // refresh_metadata
  ]);
  return res.rows[0]!;
}

export async function scanRow(pool: pg.Pool, id: string): Promise<ScanRow> {
  return (await pool.query<ScanRow>(sql.SCAN_BY_ID, [id])).rows[0]!;
}

/** The progress columns of a scan's event rows. */
export type ScanEventProgress = Pick<ScanEventRow, 'seq' | 'status' | 'step' | 'progress'>;

/** A scan's event log in seq order: the progress columns, or with `full` every column but scan_id. */
export async function eventsOf(pool: pg.Pool, id: string): Promise<ScanEventProgress[]>;
export async function eventsOf(
  pool: pg.Pool,
  id: string,
  options: { full: true },
): Promise<Array<Omit<ScanEventRow, 'scan_id'>>>;
export async function eventsOf(
  pool: pg.Pool,
  id: string,
  options: { full?: boolean } = {},
): Promise<ScanEventProgress[]> {
  const columns = options.full
    ? 'seq, status, step, progress, message, at'
    : 'seq, status, step, progress';
  return (
    await pool.query<ScanEventProgress>(
      `select ${columns} from scan_events where scan_id = $1 order by seq`,
      [id],
    )
  ).rows;
}

export interface StepRow {
  name: string;
  status: string;
  error_code: string | null;
  started_at: Date | null;
}

/** A scan's steps in position order. */
export async function stepsOf(pool: pg.Pool, id: string): Promise<StepRow[]> {
  return (
    await pool.query<StepRow>(
      `select name, status, error_code, started_at from scan_steps where scan_id = $1 order by position`,
      [id],
    )
  ).rows;
}

/** Claims a scan as `workerId` and drives it through two steps to COMPLETED (7 events). */
export async function runScan(
  pool: pg.Pool,
  workerId: string,
  pools?: readonly string[],
): Promise<void> {
  const lease = (await claimScan(pool, {
    workerId,
    hostname: 'irrelevant',
    leaseMs: 30_000,
    pools,
  }))!;
  await lease.resetSteps(['os', 'hostname']);
  await lease.startStep(0, 'os', 0);
  await lease.finishStep(0, 'os', 50, { part: { hostname: 'h' } });
  await lease.startStep(1, 'hostname', 50);
  await lease.finishStep(1, 'hostname', 100, { part: { hostname: 'h' } });
  await lease.finish({ status: 'COMPLETED', progress: 100, failure: null, message: 'completed' });
}

/** Makes every RUNNING lease look expired. */
export async function expireLeases(pool: pg.Pool): Promise<void> {
  await pool.query(
    `update scans set lease_expires_at = now() - interval '1 second' where status = 'RUNNING'`,
  );
}

/**
 * Ends a claimed scan COMPLETED at 100 % with the message "done", the way a
 * worker's Lease.finish writes it (FINISH_SCAN, fenced by attempt and
 * worker; no changes). Throws when the fence matched nothing.
 */
export async function completeScan(
  db: Queryable,
  fence: { id: string; attempt: number; workerId: string },
): Promise<void> {
  const res = await db.query(sql.FINISH_SCAN, [
    fence.id,
    fence.attempt,
    fence.workerId,
    'COMPLETED',
    null, // error_code
    null, // error_message
    100,
    'done',
    null, // change_count
    null, // changes
  ]);
  if (res.rowCount === 0)
    throw new Error(`completeScan: scan ${fence.id} is not held by that lease`);
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than
 * undefined or false (so a plain condition works too), and returns that value.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
