import type pg from 'pg';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import { withTimeout } from '../util/async';

/** A presence write never holds up a worker (a shutdown, say) for longer. */
const WRITE_TIMEOUT_MS = 3_000;

/**
 * One statement both announces a worker and renews it: a row deleted
 * meanwhile (pruned, or by an operator) comes back at the next beat.
 * $1 id, $2 hostname, $3 pools, $4 concurrency, $5 started at, $6 expiry ms,
 * $7 stopping.
 */
const UPSERT_WORKER = `insert into workers
    (id, hostname, pools, concurrency, started_at, last_seen_at, expires_at, stopping)
  values ($1, $2, $3::text[], $4, $5, now(), now() + $6 * interval '1 millisecond', $7)
  on conflict (id) do update set hostname = excluded.hostname, pools = excluded.pools,
    concurrency = excluded.concurrency, started_at = excluded.started_at, last_seen_at = now(),
    expires_at = excluded.expires_at, stopping = excluded.stopping`;

/** Rows of workers not heard from for a day: gone for good. */
const PRUNE_WORKERS = `delete from workers where expires_at < now() - interval '1 day'`;

export interface PresenceOptions {
  pgPool: pg.Pool;
  log: Logger;
  id: string;
  hostname: string;
  pools: readonly string[];
  concurrency: number;
  /** How long a beat vouches for the worker (LEASE_MS: its scans are reaped past it too). */
  ttlMs: number;
}

/**
 * A worker's row in `workers`, for operators (`Query.workers`). Nothing in
 * the queue depends on it: claims, leases and the reaper work without it, so
 * a failed write is logged and the next beat tries again.
 */
export class WorkerPresence {
  private readonly startedAt = new Date();
  private stopping = false;
  private failing = false;
  /** The write in flight, if any: beats never overlap, so an older one cannot land last. */
  private inFlight: Promise<void> | null = null;

  constructor(private readonly options: PresenceOptions) {}

  /** Announces or renews the row; never throws. A beat while one is in flight joins it. */
  beat(): Promise<void> {
    this.inFlight ??= this.write().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async write(): Promise<void> {
    const o = this.options;
    try {
      await withTimeout(
        o.pgPool.query(UPSERT_WORKER, [
          o.id,
          o.hostname,
          o.pools,
          o.concurrency,
          this.startedAt,
          o.ttlMs,
          this.stopping,
        ]),
        WRITE_TIMEOUT_MS,
        'recording worker presence timed out',
      );
      if (this.failing) o.log.info('worker presence recorded again');
      this.failing = false;
    } catch (e) {
      if (!this.failing) o.log.warn({ err: toError(e) }, 'could not record worker presence');
      this.failing = true;
    }
  }

  /** A graceful shutdown began: shown as STOPPING until the row is removed. */
  async markStopping(): Promise<void> {
    this.stopping = true;
    await this.inFlight; // it may have been sent with stopping = false
    await this.beat();
  }

  /** The worker stopped: its row goes. Never throws (the row then expires). */
  async remove(): Promise<void> {
    await this.inFlight;
    try {
      await withTimeout(
        this.options.pgPool.query(`delete from workers where id = $1`, [this.options.id]),
        WRITE_TIMEOUT_MS,
        'removing the worker presence row timed out',
      );
    } catch (e) {
      this.options.log.warn({ err: toError(e) }, 'could not remove the worker presence row');
    }
  }
}

/** Deletes rows of workers gone for a day. Safe from any number of processes. */
export async function pruneWorkers(pgPool: pg.Pool): Promise<number> {
  return (await pgPool.query(PRUNE_WORKERS)).rowCount ?? 0;
}
