import type pg from 'pg';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import { hostKey, insertScanBatch } from '../queue/batch';
import { parseCron } from './cron';
import type { ScheduleRow, ScheduleSkip } from './rows';
import * as sql from './sql';

/** Runs kept per schedule; older ones are deleted as new ones are added. */
export const RUNS_KEPT = 100;
/** Due schedules one tick handles at most (the rest wait for the next tick). */
const DUE_PER_TICK = 50;

export interface SchedulerOptions {
  pgPool: pg.Pool;
  log: Logger;
  /** Milliseconds between looks for due schedules. */
  tickMs: number;
  /** What the scans a schedule starts get: the server's defaults. */
  scanDefaults: { timeoutSeconds: number; maxAttempts: number };
}

/** What one due time did. */
export interface RunOutcome {
  scheduleId: string;
  dueAt: Date;
  scanIds: string[];
  skipped: ScheduleSkip[];
}

/**
 * Starts the scans of due schedules. Every API and worker process runs one,
 * and no process is elected: each due schedule is locked with SKIP LOCKED by
 * whichever process gets it first, and the run's row, keyed by
 * (schedule_id, due_at) and inserted with `on conflict do nothing` in the
 * transaction that inserts the scans, makes a due time start its scans
 * once even if two processes got past the lock. A schedule due several
 * times over (the processes were down) runs once, for its latest due time;
 * a target whose previous scan is still active is skipped, and the skip is
 * recorded on the run.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  /** Ticks every `tickMs` until stop(); the first tick comes at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickOnce(), this.options.tickMs);
    void this.tickOnce();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One tick, unless the previous one is still going (a slow database). */
  private tickOnce(): Promise<void> {
    if (this.running) return this.running;
    const running = this.tick().then(
      () => undefined,
      () => undefined,
    );
    this.running = running.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Starts every due schedule's scans. Never throws: failures are logged, and retried next tick. */
  async tick(): Promise<RunOutcome[]> {
    const { pgPool, log } = this.options;
    const outcomes: RunOutcome[] = [];
    try {
      const due = await pgPool.query<{ id: string }>(sql.DUE_SCHEDULES, [DUE_PER_TICK]);
      for (const { id } of due.rows) {
        try {
          const outcome = await this.runDue(id);
          if (outcome) outcomes.push(outcome);
        } catch (e) {
          log.warn({ err: toError(e), scheduleId: id }, 'schedule run failed');
        }
      }
    } catch (e) {
      log.warn({ err: toError(e) }, 'scheduler tick failed');
    }
    return outcomes;
  }

  /** Runs one schedule if it is still due and no other process holds it; null otherwise. */
  async runDue(id: string): Promise<RunOutcome | null> {
    const { pgPool, log, scanDefaults } = this.options;
    const client = await pgPool.connect();
    try {
      await client.query('begin');
      const locked = await client.query<ScheduleRow & { db_now: Date }>(sql.LOCK_DUE_SCHEDULE, [
        id,
      ]);
      const schedule = locked.rows[0];
      if (!schedule) {
        await client.query('rollback');
        return null;
      }
      const now = schedule.db_now;
      const cron = parseCron(schedule.cron, schedule.timezone);
      // The latest due time passed: after downtime, one run, not one per missed time.
      const latest = cron.latest(now);
      const dueAt =
        latest && latest.getTime() >= schedule.next_run_at!.getTime()
          ? latest
          : schedule.next_run_at!;
      const next = cron.next(now);
      const claimed = await client.query(sql.INSERT_RUN, [id, dueAt]);
      if (claimed.rowCount === 0) {
        // Another process started this due time already: only move on.
        await client.query(sql.ADVANCE_SCHEDULE, [id, null, next]);
        await client.query('commit');
        return null;
      }
      const targets = schedule.targets;
      const batch = await insertScanBatch(
        client,
        targets.map((t) => ({ ...t, idempotencyKey: null })),
        {
          type: schedule.type,
          priority: 0,
          timeoutSeconds: scanDefaults.timeoutSeconds,
          requestedBy: `schedule:${schedule.name}`,
          maxAttempts: scanDefaults.maxAttempts,
          pool: 'default',
          refreshMetadata: false,
        },
      );
      const scanIds: string[] = [];
      const skipped: ScheduleSkip[] = [];
      batch.rows.forEach((row, index) => {
        const t = targets[index]!;
        if (row) scanIds.push(row.id);
        else
          skipped.push({
            index,
            hostname: t.hostname,
            port: t.port,
            reason: 'SCAN_IN_PROGRESS',
            scanId: batch.activeIds.get(hostKey(t.hostname, t.port)) ?? null,
          });
      });
      await client.query(sql.FINISH_RUN, [id, dueAt, scanIds, JSON.stringify(skipped)]);
      await client.query(sql.ADVANCE_SCHEDULE, [id, dueAt, next]);
      await client.query(sql.PRUNE_RUNS, [id, RUNS_KEPT]);
      await client.query('commit');
      log.info(
        {
          scheduleId: id,
          schedule: schedule.name,
          dueAt,
          scans: scanIds.length,
          skipped: skipped.length,
        },
        'schedule started its scans',
      );
      return { scheduleId: id, dueAt, scanIds, skipped };
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw new Error(`could not run schedule ${id}`, { cause: e });
    } finally {
      client.release();
    }
  }
}
