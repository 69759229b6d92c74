import type pg from 'pg';

import { toError } from '../domain/errors';
import { ScanStatus } from '../domain/states';
import type { Logger } from '../logger';
import { leasesReaped } from '../metrics/instruments';
import { pruneWorkers } from './presence';
import type { ScanRow } from './rows';
import * as sql from './sql';

/** Re-queues or fails scans whose lease expired. Returns the rows it changed. */
export async function reapExpiredLeases(pgPool: pg.Pool): Promise<ScanRow[]> {
  const res = await pgPool.query<ScanRow>(sql.REAP_EXPIRED);
  return res.rows;
}

export interface ReaperOptions {
  pgPool: pg.Pool;
  log: Logger;
  /** Milliseconds between ticks while started. */
  intervalMs: number;
  /**
   * Milliseconds between prunes of workers gone for a day, done by the first
   * tick after each; null: never prune.
   * @default 60_000
   */
  pruneEveryMs?: number | null;
  /** Called after a tick put at least one scan back in the queue. */
  onRequeued?: () => void;
}

/**
 * Queue maintenance: re-queues (or fails) scans whose worker stopped renewing
 * the lease, and prunes long-gone workers. Any number of processes may run
 * one: SKIP LOCKED hands each expired row to one reaper.
 */
export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private prunedAt = 0;

  constructor(private readonly options: ReaperOptions) {}

  /** Ticks every `intervalMs` until stop(); the first tick comes after one interval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round of maintenance. Never throws: a failure is logged and the next tick tries again. */
  async tick(): Promise<void> {
    const { pgPool, log, pruneEveryMs = 60_000, onRequeued } = this.options;
    try {
      const rows = await reapExpiredLeases(pgPool);
      leasesReaped(rows);
      for (const row of rows) {
        log.warn(
          { scanId: row.id, attempt: row.attempt, status: row.status },
          'reaped an expired lease',
        );
      }
      if (rows.some((r) => r.status === ScanStatus.PENDING)) onRequeued?.();
      if (pruneEveryMs !== null && Date.now() - this.prunedAt > pruneEveryMs) {
        this.prunedAt = Date.now();
        const pruned = await pruneWorkers(pgPool);
        if (pruned > 0) log.info({ workers: pruned }, 'pruned workers gone for a day');
      }
    } catch (e) {
      log.warn({ err: toError(e) }, 'reaper failed');
    }
  }
}
