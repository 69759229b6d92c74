import type pg from 'pg';

import { withTimeout } from '../util/async';
import * as sql from './sql';

/** What one database read at scrape time returns. */
export interface ScanStats {
  /** Every scan, by status and type (history included). */
  readonly byStatusAndType: ReadonlyArray<{ status: string; type: string; n: number }>;
  /** PENDING scans per pool, and the longest wait (s) of a runnable one. */
  readonly pendingByPool: ReadonlyArray<{ pool: string; n: number; oldest_wait: number }>;
}

export interface ScanStatsOptions {
  readonly pgPool: pg.Pool;
  /**
   * Deadline of the whole read, connection included; the statements also get
   * it as their server-side statement_timeout, so a slow count is cancelled
   * in the database, not only abandoned here.
   * @default 2000 (ms)
   */
  readonly timeoutMs?: number;
  /**
   * A result younger than this is served again: several scrapers (two
   * Prometheus replicas, a person with curl) cost one read.
   * @default 1000 (ms)
   */
  readonly reuseMs?: number;
}

/**
 * Reads the scans gauges from the database at scrape time, one read at a
 * time: concurrent scrapes share the read in flight. Rejects (with the cause)
 * when the database does not answer within the deadline.
 */
export class ScanStatsReader {
  private inFlight: Promise<ScanStats> | null = null;
  private last: { at: number; stats: ScanStats } | null = null;

  constructor(private readonly options: ScanStatsOptions) {}

  read(): Promise<ScanStats> {
    const reuseMs = this.options.reuseMs ?? 1_000;
    if (this.last && performance.now() - this.last.at < reuseMs)
      return Promise.resolve(this.last.stats);
    this.inFlight ??= this.readOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async readOnce(): Promise<ScanStats> {
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    const stats = await withTimeout(
      this.query(timeoutMs),
      timeoutMs,
      `the metrics read took over ${timeoutMs} ms`,
    );
    this.last = { at: performance.now(), stats };
    return stats;
  }

  /** Runs to its end even after the deadline passed, so the client is always released. */
  private async query(timeoutMs: number): Promise<ScanStats> {
    const client = await this.options.pgPool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin read only');
      await client.query(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      const byStatusAndType = (
        await client.query<ScanStats['byStatusAndType'][number]>(sql.SCANS_BY_STATUS_AND_TYPE)
      ).rows;
      const pendingByPool = (
        await client.query<ScanStats['pendingByPool'][number]>(sql.PENDING_BY_POOL)
      ).rows;
      await client.query('commit');
      return { byStatusAndType, pendingByPool };
    } catch (e) {
      await client.query('rollback').catch((r: unknown) => (broken = r as Error));
      throw new Error('reading the scans gauges failed', { cause: e });
    } finally {
      client.release(broken);
    }
  }
}
