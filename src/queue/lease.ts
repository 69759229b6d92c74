import { performance } from 'node:perf_hooks';

import type pg from 'pg';

import { DatabaseUnavailableError, isDatabaseConnectionError } from '../db/pg-errors';
import { type ScanFailure, toError } from '../domain/errors';
import type { ScanResultData } from '../domain/result';
import { ScanStatus, StepStatus } from '../domain/states';
import type { Logger } from '../logger';
import { scanEnded, scanRequeued, StepClock } from '../metrics/instruments';
import { sleep } from '../util/async';
import { delayFor, LEASE_WRITE_RETRY } from '../util/backoff';
import { computeChanges } from './changes';
import type { HostRow, ScanRow } from './rows';
import * as sql from './sql';
import { type WriteBatcher, writeBatcherFor } from './write-batcher';

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

/** How an attempt ends (Lease.finish). */
export interface FinishOptions {
  status: ScanStatus;
  /** Percent done, 0 to 100. */
  progress: number;
  /** Why the scan failed, stored as its error; null when it did not. */
  failure: ScanFailure | null;
  /** The message of the terminal progress event. */
  message: string;
}

/**
 * The writes one worker may make to one claimed scan, every one fenced by
 * (scan id, attempt, worker id).
 */
export class Lease {
  private endingWrite = false;
  /** Times this attempt's steps for hostscan_scan_step_duration_seconds. */
  private readonly stepClock = new StepClock();
  /** Where this attempt's progress and terminal writes go (group commit with other scans'). */
  private readonly writes: WriteBatcher;
  /**
   * performance.now() by which the lease has surely expired: the send time of
   * the last successful claim or heartbeat plus the lease length. The server
   * set its expiry from its own later clock reading, so this errs early.
   */
  private validUntil: number;

  constructor(
    private readonly pgPool: pg.Pool,
    readonly scan: ScanRow,
    readonly workerId: string,
    private readonly leaseMs: number,
    /** performance.now() when the claim was sent. */
    claimedAt = performance.now(),
    /** Told when a database operation has to be retried, and when it went through after all. */
    private readonly log?: Logger,
    /** The scan's host as the claim read it (null: not read; the worker reads it before connecting). */
    readonly host: HostRow | null = null,
  ) {
    this.validUntil = claimedAt + leaseMs;
    this.writes = writeBatcherFor(pgPool);
  }

  /** Milliseconds the lease may still be valid for (0 or less: surely expired). */
  get remainingMs(): number {
    return this.validUntil - performance.now();
  }

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

  /**
   * Runs `fn`, and runs it again after a database connection error (a
   * restart, a failover, a dropped socket) with short jittered backoff for
   * as long as the lease may still be valid: no other attempt can own the
   * scan meanwhile, so the write is still wanted. Past that it throws
   * DatabaseUnavailableError. Any other error is thrown at once. `fn` is
   * always tried once, however late: its fence decides.
   */
  async retrying<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    for (let failures = 0; ;) {
      try {
        const value = await fn();
        if (failures > 0) {
          this.log?.info(
            {
              scanId: this.id,
              attempt: this.attempt,
              op,
              retries: failures,
              ms: Math.round(performance.now() - started),
            },
            'database reachable again; the retried operation went through',
          );
        }
        return value;
      } catch (e) {
        if (!isDatabaseConnectionError(e) || e instanceof DatabaseUnavailableError) throw e;
        failures++;
        const wait = delayFor(LEASE_WRITE_RETRY, failures);
        if (this.remainingMs - wait <= 0)
          throw new DatabaseUnavailableError(this.id, this.attempt, e);
        if (failures === 1) {
          this.log?.warn(
            {
              scanId: this.id,
              attempt: this.attempt,
              op,
              err: toError(e),
              leaseLeftMs: Math.round(this.remainingMs),
            },
            'database unreachable; retrying while the lease lasts',
          );
        }
        await sleep(wait);
      }
    }
  }

  /** Renews the lease. Returns whether cancellation was requested. */
  async heartbeat(): Promise<{ cancelRequested: boolean }> {
    return this.retrying('heartbeat', async () => {
      const sentAt = performance.now();
      const res = await this.pgPool.query<{ cancel_requested_at: Date | null }>(sql.HEARTBEAT, [
        ...this.fence(),
        this.leaseMs,
      ]);
      if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
      this.validUntil = Math.max(this.validUntil, sentAt + this.leaseMs);
      return { cancelRequested: res.rows[0]!.cancel_requested_at !== null };
    });
  }

  /**
   * Gives this attempt a fresh list of PENDING steps named `names` (by
   * position) and no result. One statement, fenced. Throws LeaseLostError
   * when the lease is gone.
   */
  async resetSteps(names: string[]): Promise<void> {
    await this.fencedWrite('reset-steps', sql.RESET_STEPS, [...this.fence(), names]);
  }

  /**
   * Marks step `position` RUNNING and moves the scan to it at `progress`
   * percent, with its progress event. One statement, fenced.
   */
  async startStep(position: number, name: string, progress: number): Promise<void> {
    this.stepClock.start(position);
    await this.fencedWrite('start-step', sql.START_STEP, [
      ...this.fence(),
      name,
      progress,
      `step ${name} started`,
      position,
    ]);
  }

  /**
   * Ends step `position`: SUCCEEDED with its result `part` merged into the
   * scan's result, or FAILED with `failure`; moves the scan to `progress`
   * percent, with its progress event. One statement, fenced.
   */
  async finishStep(
    position: number,
    name: string,
    progress: number,
    outcome: { part?: Partial<ScanResultData>; failure?: ScanFailure },
  ): Promise<void> {
    const { part, failure } = outcome;
    const message = failure ? `step ${name} failed: ${failure.code}` : `step ${name} done`;
    await this.fencedWrite('finish-step', sql.FINISH_STEP, [
      ...this.fence(),
      name,
      progress,
      message,
      position,
      failure ? StepStatus.FAILED : StepStatus.SUCCEEDED,
      failure?.code ?? null,
      failure?.message ?? null,
      part ? JSON.stringify(part) : null,
    ]);
    this.stepClock.finish(position, name, failure ? StepStatus.FAILED : StepStatus.SUCCEEDED);
  }

  /**
   * finishStep of step `position` with a success `part`, then startStep of
   * `next`, as one statement: the same rows and events as the two calls,
   * one round trip and one commit. Throws LeaseLostError when the lease is
   * gone.
   */
  async finishStepAndStart(
    position: number,
    name: string,
    progress: number,
    part: Partial<ScanResultData>,
    next: { position: number; name: string },
  ): Promise<void> {
    await this.fencedWrite('finish-and-start-step', sql.FINISH_AND_START_STEP, [
      ...this.fence(),
      name,
      progress,
      `step ${name} done`,
      position,
      StepStatus.SUCCEEDED,
      null,
      null,
      JSON.stringify(part),
      next.name,
      `step ${next.name} started`,
      next.position,
    ]);
    this.stepClock.finish(position, name, StepStatus.SUCCEEDED);
    this.stepClock.start(next.position);
  }

  /**
   * One fenced statement that returns a row when the fence matched: retried
   * through a connection loss while the lease may be valid (see retrying);
   * LeaseLostError when it matched nothing. A retry after an uncertain
   * commit is safe: a repeated step write sets the same values again and
   * adds one more event, never a gap.
   */
  private async fencedWrite(op: string, text: string, values: unknown[]): Promise<void> {
    await this.retrying(op, async () => {
      const res = await this.writes.query(text, values);
      if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
    });
  }

  /**
   * Ends the attempt with a terminal status and its changes (computeChanges,
   * read first); unrun steps become SKIPPED. One fenced write. Throws
   * LeaseLostError when another attempt owns the scan.
   */
  async finish(outcome: FinishOptions): Promise<ScanRow> {
    const { status, progress, failure, message } = outcome;
    this.endingWrite = true;
    const changes = await this.retrying('read-changes', () =>
      computeChanges(this.pgPool, this.id, status),
    );
    let commitUncertain = false;
    let row: ScanRow;
    try {
      row = await this.retrying('finish', async () => {
        let res: pg.QueryResult<ScanRow>;
        try {
          res = await this.writes.query<ScanRow>(sql.FINISH_SCAN, [
            ...this.fence(),
            status,
            failure?.code ?? null,
            failure?.message ?? null,
            progress,
            message,
            changes?.count ?? null,
            changes?.json ?? null,
          ]);
        } catch (e) {
          // The statement may have committed before the connection went.
          if (isDatabaseConnectionError(e)) commitUncertain = true;
          throw e;
        }
        if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
        return res.rows[0]!;
      });
    } catch (e) {
      // A connection lost while the write was in flight leaves it unknown
      // whether it took; the retry then finds the row no longer RUNNING. If
      // the row ended as this very attempt with this status, it did.
      if (!(e instanceof LeaseLostError) || !commitUncertain) throw e;
      const now = (await this.pgPool.query<ScanRow>(sql.SCAN_BY_ID, [this.id])).rows[0];
      const tookEffect =
        now?.attempt === this.attempt && now.worker_id === this.workerId && now.status === status;
      if (!tookEffect) throw e;
      row = now;
    }
    scanEnded(row);
    return row;
  }

  /**
   * Gives the scan back to the queue without spending an attempt (the worker,
   * not the scan, is ending). Returns CANCELLED if a cancel landed meanwhile.
   */
  async release(reason = 'released by a worker shutting down'): Promise<ScanStatus> {
    return this.requeue(0, null, reason, false);
  }

  /** Spends the attempt and re-queues for a later one, after `delayMs`. Returns as release. */
  async retryLater(delayMs: number, failure: ScanFailure): Promise<ScanStatus> {
    const message = `attempt ${this.attempt} failed: ${failure.code}; retrying`;
    return this.requeue(delayMs, failure, message, true);
  }

  private async requeue(
    delayMs: number,
    failure: ScanFailure | null,
    message: string,
    countsAsAttempt: boolean,
  ): Promise<ScanStatus> {
    this.endingWrite = true;
    let status = ScanStatus.PENDING as ScanStatus;
    await this.retrying('requeue', async () => {
      const res = await this.pgPool.query<ScanRow>(sql.REQUEUE_SCAN, [
        ...this.fence(),
        delayMs,
        failure?.code ?? null,
        failure?.message ?? null,
        message,
        countsAsAttempt,
      ]);
      if (res.rowCount === 0) throw new LeaseLostError(this.id, this.attempt);
      status = res.rows[0]!.status;
    });
    if (status === ScanStatus.PENDING) scanRequeued(countsAsAttempt ? 'retry' : 'released');
    if (status === ScanStatus.CANCELLED) {
      this.log?.info(
        { scanId: this.id, attempt: this.attempt },
        'a cancel requested meanwhile ended the scan instead of a re-queue',
      );
    }
    return status;
  }
}
