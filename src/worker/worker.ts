import type pg from 'pg';

import type { WorkerConfig } from '../config';
import { PgListener } from '../db/listener';
import { DatabaseUnavailableError, isDatabaseConnectionError } from '../db/pg-errors';
import { ScanErrorCode, toError } from '../domain/errors';
import { ScanStatus } from '../domain/states';
import type { Logger } from '../logger';
import { claimScans } from '../queue/claim';
import { type Lease, LeaseLostError } from '../queue/lease';
import { WorkerPresence } from '../queue/presence';
import { Reaper } from '../queue/reaper';
import { sleep } from '../util/async';
import { executeScan } from './execute-scan';
import type { StopReason } from './outcome';

export interface WorkerOptions {
  pgPool: pg.Pool;
  connectionString: string;
  config: WorkerConfig;
  log: Logger;
  /**
   * `poll`: no LISTEN connection (PgBouncer in transaction mode). New scans
   * are claimed on the POLL_INTERVAL_MS timer, cancellations seen at the
   * heartbeat. Default `listen`.
   */
  eventsMode?: 'listen' | 'poll';
}

/**
 * Most scans one claim statement takes. A burst is claimed in batches of up
 * to this many (each a row lock and an event row in one statement), so one
 * statement stays short even when a worker has hundreds of free slots.
 */
const CLAIM_BATCH_MAX = 100;

interface Running {
  lease: Lease;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Claims scans from the queue and runs up to `concurrency` of them. Wakes on
 * NOTIFY `scan_queue` (unless in poll mode), polls as a fallback, renews each lease by heartbeat
 * (which also notices cancellation and a lost lease), and reaps expired
 * leases of dead workers.
 */
export class ScanWorker {
  /**
   * Keyed by scan id and attempt: after a stall (a frozen process, a long GC
   * pause) this worker may claim the next attempt of a scan whose previous,
   * now fenced-off attempt is still winding down here.
   */
  private readonly running = new Map<string, Running>();
  private readonly listener: PgListener | null = null;
  private readonly log: Logger;
  private timers: NodeJS.Timeout[] = [];
  private claiming = false;
  private claimAgain = false;
  /** The claim loop in flight, if any: stop() waits for it. */
  private claimLoop: Promise<void> = Promise.resolve();
  private draining = false;
  /** Leases whose heartbeat is in flight (it may retry through an outage): no second one. */
  private readonly beating = new WeakSet<Lease>();
  /** This process's row in `workers` (Query.workers). */
  private readonly presence: WorkerPresence;
  private readonly reaper: Reaper;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log.child({ component: 'worker', workerId: options.config.workerId });
    const { config } = options;
    this.presence = new WorkerPresence({
      pgPool: options.pgPool,
      log: this.log,
      id: config.workerId,
      hostname: config.hostname,
      pools: config.pools,
      concurrency: config.concurrency,
      ttlMs: config.leaseMs,
    });
    this.reaper = new Reaper({
      pgPool: options.pgPool,
      log: this.log,
      intervalMs: config.reaperIntervalMs,
      onRequeued: () => this.fill(),
    });
    if (options.eventsMode === 'poll') return;
    this.listener = new PgListener({
      connectionString: options.connectionString,
      channels: ['scan_queue', 'scan_cancel'],
      log: this.log,
      applicationName: 'hostscan-worker-listen',
    });
    this.listener.on('notification', (channel: string, payload: string) => {
      if (channel === 'scan_queue') this.fill();
      else if (channel === 'scan_cancel') this.checkNow(payload);
    });
    // Anything announced while LISTEN was down is found by claiming again.
    this.listener.on('connected', () => this.fill());
  }

  get activeScanIds(): string[] {
    return [...new Set([...this.running.values()].map((r) => r.lease.id))];
  }

  async start(): Promise<void> {
    const { config } = this.options;
    await this.listener?.start();
    await this.presence.beat();
    this.timers.push(setInterval(() => void this.presence.beat(), config.heartbeatMs));
    this.timers.push(setInterval(() => this.fill(), config.pollIntervalMs));
    this.reaper.start();
    this.log.info(
      {
        concurrency: config.concurrency,
        pools: config.pools,
        eventsMode: this.listener ? 'listen' : 'poll',
      },
      'worker started',
    );
    void this.reaper.tick();
    this.fill();
  }

  /**
   * Stops claiming, lets running scans finish for `graceMs`, then aborts the
   * rest, which release their scans to the queue without spending an attempt.
   */
  async stop(graceMs = this.options.config.shutdownGraceMs): Promise<void> {
    this.draining = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.reaper.stop();
    await this.presence.markStopping();
    // A claim that was in flight either starts its scan before the snapshot
    // below or is released at once (see fill).
    await this.claimLoop;
    const all = () => Promise.allSettled([...this.running.values()].map((r) => r.done));
    const graceful = await Promise.race([all().then(() => true), sleep(graceMs).then(() => false)]);
    if (!graceful) {
      this.log.warn({ scans: this.activeScanIds }, 'grace period over; releasing running scans');
      for (const r of this.running.values())
        r.controller.abort({ kind: 'shutdown' } satisfies StopReason);
      await all();
    }
    await this.listener?.stop();
    await this.presence.remove();
    this.log.info('worker stopped');
  }

  /** Aborts everything at once (second signal). Scans are left to the reaper. */
  abortAll(): void {
    for (const r of this.running.values())
      r.controller.abort({ kind: 'shutdown' } satisfies StopReason);
  }

  /** Claims until the worker is full or the queue is empty. Re-entrant calls coalesce. */
  fill(): void {
    if (this.draining) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    this.claimLoop = (async () => {
      try {
        do {
          this.claimAgain = false;
          while (!this.draining && this.running.size < this.options.config.concurrency) {
            const { pgPool, config } = this.options;
            const free = config.concurrency - this.running.size;
            const leases = await claimScans(
              pgPool,
              {
                workerId: config.workerId,
                hostname: config.hostname,
                leaseMs: config.leaseMs,
                pools: config.pools,
                log: this.log,
              },
              Math.min(free, CLAIM_BATCH_MAX),
            );
            if (this.draining) {
              // Shutdown began while the claim was in flight: hand them back
              // without spending an attempt instead of leaving them to the reaper.
              await Promise.all(leases.map((lease) => this.release(lease)));
              break;
            }
            for (const lease of leases) this.run(lease);
            // Fewer than asked for: the queue had no more (a NOTIFY sets claimAgain).
            if (leases.length < Math.min(free, CLAIM_BATCH_MAX)) break;
          }
        } while (this.claimAgain && !this.draining);
      } catch (e) {
        // An outage is logged by every poll until it ends: a warning, not an error.
        const level = isDatabaseConnectionError(e) ? 'warn' : 'error';
        this.log[level]({ err: toError(e) }, 'claiming failed; the poll will try again');
      } finally {
        this.claiming = false;
      }
    })();
  }

  private async release(lease: Lease): Promise<void> {
    try {
      await lease.release();
      this.log.info({ scanId: lease.id, attempt: lease.attempt }, 'released on shutdown');
    } catch (e) {
      this.log.warn({ err: toError(e), scanId: lease.id }, 'could not release a claimed scan');
    }
  }

  private run(lease: Lease): void {
    const key = `${lease.id}/${lease.attempt}`;
    const controller = new AbortController();
    const log = this.log.child({ scanId: lease.id, attempt: lease.attempt });
    log.info({ type: lease.scan.type }, 'scan claimed');
    const heartbeat = setInterval(
      () => void this.beat(lease, controller, log),
      this.options.config.heartbeatMs,
    );
    const deps = {
      pgPool: this.options.pgPool,
      config: this.options.config,
      log,
      wakeAfter: (ms: number) => {
        const t = setTimeout(() => this.fill(), ms);
        t.unref();
      },
    };
    const done = executeScan(lease, deps, controller.signal)
      .catch((e: unknown) => {
        if (e instanceof DatabaseUnavailableError || isDatabaseConnectionError(e)) {
          // Not a verdict on the scan: the row stays RUNNING and the reaper
          // re-queues it (attempt + 1) once the lease has expired. Writing
          // FAILED here would record the outage as the scan's result.
          if (!controller.signal.aborted)
            controller.abort({ kind: 'database-lost' } satisfies StopReason);
          log.warn(
            { err: toError(e) },
            'scan abandoned: database unreachable; the reaper re-queues it when the lease expires',
          );
        } else if (e instanceof LeaseLostError || controller.signal.aborted) {
          log.warn({ err: toError(e) }, 'scan abandoned');
        } else {
          log.error({ err: toError(e) }, 'scan ended with an internal error');
          return this.failInternal(lease, e);
        }
      })
      .finally(() => {
        clearInterval(heartbeat);
        this.running.delete(key);
        this.fill();
      });
    this.running.set(key, { lease, controller, done });
  }

  private async failInternal(lease: Lease, e: unknown): Promise<void> {
    try {
      await lease.finish({
        status: ScanStatus.FAILED,
        progress: lease.scan.progress,
        failure: { code: ScanErrorCode.INTERNAL, message: toError(e).message },
        message: 'internal error',
      });
    } catch (finishError) {
      // The reaper re-queues it once the lease runs out.
      this.log.error(
        { err: toError(finishError), scanId: lease.id },
        'could not record the failure',
      );
    }
  }

  private async beat(lease: Lease, controller: AbortController, log: Logger): Promise<void> {
    if (controller.signal.aborted || this.beating.has(lease)) return;
    this.beating.add(lease);
    try {
      const { cancelRequested } = await lease.heartbeat();
      if (cancelRequested) {
        log.info('cancellation requested');
        controller.abort({ kind: 'cancel' } satisfies StopReason);
      }
    } catch (e) {
      if (e instanceof LeaseLostError) {
        // The beat raced this attempt's own terminal write, which committed first.
        if (lease.ending) return;
        log.warn('lease lost; aborting the scan');
        controller.abort({ kind: 'lease-lost' } satisfies StopReason);
      } else if (e instanceof DatabaseUnavailableError) {
        // The heartbeat retried for as long as the lease could be valid.
        if (lease.ending || controller.signal.aborted) return;
        log.warn(
          { err: toError(e) },
          'database unreachable for the whole lease; stopping the scan',
        );
        controller.abort({ kind: 'database-lost' } satisfies StopReason);
      } else {
        // A failed statement (a timeout, say): the lease outlives a few missed beats.
        log.warn({ err: toError(e) }, 'heartbeat failed');
      }
    } finally {
      this.beating.delete(lease);
    }
  }

  /** NOTIFY on scan_cancel: check that scan now instead of at the next heartbeat. */
  private checkNow(scanId: string): void {
    for (const r of this.running.values()) {
      if (r.lease.id === scanId) void this.beat(r.lease, r.controller, this.log.child({ scanId }));
    }
  }
}
