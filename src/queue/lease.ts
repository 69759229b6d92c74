import type pg from 'pg';

import type { ScanErrorCode } from '../domain/errors';
import type { ScanResultData } from '../domain/result';
import type { ScanStatus } from '../domain/states';
import type { ScanRow } from './rows';
import * as sql from './sql';

/** Thrown by a fenced write that matched no row: another attempt owns the scan now. */
export class LeaseLostError extends Error {
  constructor(
    readonly scanId: string,
    readonly attempt: number,
  ) {
    super(`lease lost on scan ${scanId} attempt ${attempt}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * The writes one worker may make to one claimed scan, every one fenced by
 * (scan id, attempt, worker id).
 */
export class Lease {
  private endingWrite = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly scan: ScanRow,
    readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  get id(): string {
    return this.scan.id;
  }

  get attempt(): number {
    return this.scan.attempt;
  }

  /**
   * True once the terminal write (finish or requeue) has begun. A heartbeat
   * racing it then finds no RUNNING row: that is the attempt ending, not a
   * lost lease.
   */
  get ending(): boolean {
    return this.endingWrite;
  }

  private fence(): [string, number, string] {
    return [this.scan.id, this.scan.attempt, this.workerId];
  }

  /** Renews the lease. Returns whether cancellation was requested. */
  async heartbeat(): Promise<{ cancelRequested: boolean }> {
    const res = await this.pool.query<{ cancel_requested_at: Date | null }>(sql.HEARTBEAT, [
      ...this.fence(),
      this.leaseMs,
    ]);
    if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
    return { cancelRequested: res.rows[0]!.cancel_requested_at !== null };
  }

  async resetSteps(names: string[]): Promise<void> {
    await this.inTransaction(async (c) => {
      await c.query(sql.DELETE_STEPS, [this.id]);
      await c.query(sql.INSERT_STEPS, [this.id, names]);
      await c.query(sql.CLEAR_RESULT, [this.id]);
    });
  }

  async startStep(position: number, name: string, progress: number): Promise<void> {
    await this.inTransaction(async (c) => {
      await c.query(sql.START_STEP, [this.id, position, 'RUNNING']);
      await c.query(sql.UPDATE_PROGRESS, [...this.fence(), name, progress, `step ${name} started`]);
    });
  }

  async finishStep(
    position: number,
    name: string,
    progress: number,
    outcome: { part?: Partial<ScanResultData>; error?: { code: ScanErrorCode; message: string } },
  ): Promise<void> {
    await this.inTransaction(async (c) => {
      const failed = outcome.error !== undefined;
      await c.query(sql.FINISH_STEP, [
        this.id,
        position,
        failed ? 'FAILED' : 'SUCCEEDED',
        outcome.error?.code ?? null,
        outcome.error?.message ?? null,
      ]);
      if (outcome.part) await c.query(sql.MERGE_RESULT, [this.id, JSON.stringify(outcome.part)]);
      const message = failed ? `step ${name} failed: ${outcome.error!.code}` : `step ${name} done`;
      await c.query(sql.UPDATE_PROGRESS, [...this.fence(), name, progress, message]);
    });
  }

  async finish(
    status: ScanStatus,
    progress: number,
    error: { code: ScanErrorCode; message: string } | null,
    message: string,
  ): Promise<ScanRow> {
    let row: ScanRow | undefined;
    this.endingWrite = true;
    await this.inTransaction(async (c) => {
      // Steps that never ran (the scan ended early) are marked SKIPPED.
      await c.query(sql.SKIP_UNFINISHED_STEPS, [this.id]);
      const res = await c.query<ScanRow>(sql.FINISH_SCAN, [
        ...this.fence(),
        status,
        error?.code ?? null,
        error?.message ?? null,
        progress,
        message,
      ]);
      row = res.rows[0];
    });
    return row!;
  }

  /** Returns the scan to the queue; `countsAsAttempt` false for a shutdown release. */
  async requeue(
    delayMs: number,
    error: { code: ScanErrorCode; message: string } | null,
    message: string,
    countsAsAttempt: boolean,
  ): Promise<void> {
    this.endingWrite = true;
    const res = await this.pool.query(sql.REQUEUE_SCAN, [
      ...this.fence(),
      delayMs,
      error?.code ?? null,
      error?.message ?? null,
      message,
      countsAsAttempt,
    ]);
    if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
  }

  /**
   * Runs `fn` in a transaction that first locks the fenced row, so a write
   * after a lost lease touches nothing and rolls back.
   */
  private async inTransaction(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const locked = await client.query(sql.LOCK_FENCED, this.fence());
      if (locked.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
      await fn(client);
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}

/** Claims one runnable scan for this worker, or null when there is none. */
export async function claimScan(
  pool: pg.Pool,
  workerId: string,
  hostname: string,
  leaseMs: number,
): Promise<Lease | null> {
  const res = await pool.query<ScanRow>(sql.CLAIM_SCAN, [workerId, leaseMs, hostname]);
  const row = res.rows[0];
  return row ? new Lease(pool, row, workerId, leaseMs) : null;
}

/** Re-queues or fails scans whose lease expired. Returns the rows it changed. */
export async function reapExpiredLeases(pool: pg.Pool): Promise<ScanRow[]> {
  const res = await pool.query<ScanRow>(sql.REAP_EXPIRED);
  return res.rows;
}
