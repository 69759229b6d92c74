/**
 * The process's metrics: one prom-client registry and the instruments that
 * code paths feed as things happen (counters, histograms). Values read only
 * at scrape time (gauges of the database, the hub, the sockets) live in
 * scrape.ts. Labels never carry a hostname, a scan id or a worker id: only
 * values from small fixed sets (status, type, step, pool, subscription).
 *
 * One registry per process: every hook here is a module-level function, so
 * the queue, the worker and the events path call it with one line and no
 * object threaded through their constructors. Prometheus scrapes each
 * process on its own and sums across them.
 */
import { performance } from 'node:perf_hooks';

import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import { ScanStatus } from '../domain/states';

export const registry = new Registry();

/** Seconds; scans run from well under a second (QUICK on loopback) to many minutes. */
const SCAN_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds; one probe is usually milliseconds, a package list or an update check tens of seconds. */
const STEP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds from an event's commit until its frame was handed to the socket. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const scanDuration = new Histogram({
  name: 'hostscan_scan_duration_seconds',
  help: 'Run time of the attempt that ended a scan (started_at to completed_at, database clock), observed by the process that wrote the end.',
  labelNames: ['type', 'status'] as const,
  buckets: SCAN_BUCKETS,
  registers: [registry],
});

export const stepDuration = new Histogram({
  name: 'hostscan_scan_step_duration_seconds',
  help: 'Time from a step starting to its result being stored, observed by the worker that ran it.',
  labelNames: ['step', 'status'] as const,
  buckets: STEP_BUCKETS,
  registers: [registry],
});

export const leaseExpiries = new Counter({
  name: 'hostscan_lease_expiries_total',
  help: 'Scans whose lease lapsed (their worker died or stalled), found by this process; outcome: requeued, failed (WORKER_LOST on the last attempt) or cancelled.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const requeues = new Counter({
  name: 'hostscan_scan_requeues_total',
  help: 'Scans put back in the queue by this process; reason: lease_expired (the reaper), retry (a transient connection failure), released (a worker shutting down).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const eventLag = new Histogram({
  name: 'hostscan_event_delivery_lag_seconds',
  help: "Time from a progress event's commit (its row's `at`, database clock) until its frame was handed to a subscriber's WebSocket, for events committed after the subscription began.",
  labelNames: ['subscription'] as const,
  buckets: LAG_BUCKETS,
  registers: [registry],
});

let processMetrics = false;

/**
 * Adds prom-client's default process and Node.js metrics (`process_*`,
 * `nodejs_*`) to the registry, once. Not done at import: the event-loop
 * monitor it starts has no place in a unit test that only imports a hook.
 */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

/** The fields of a scan row that a scan's end is measured by. */
export interface EndedScan {
  readonly type: string;
  readonly status: string;
  readonly started_at: Date | null;
  readonly completed_at: Date | null;
}

/** A scan ended (COMPLETED, PARTIAL, FAILED, CANCELLED): observes its run time when it ran at all. */
export function scanEnded(row: EndedScan): void {
  if (!row.started_at || !row.completed_at) return;
  const seconds = (row.completed_at.getTime() - row.started_at.getTime()) / 1000;
  scanDuration.observe({ type: row.type, status: row.status }, Math.max(0, seconds));
}

/** The reaper's rows: counts each expiry by where the scan went, and ends the terminal ones. */
export function leasesReaped(rows: readonly EndedScan[]): void {
  for (const row of rows) {
    if (row.status === ScanStatus.PENDING) {
      leaseExpiries.inc({ outcome: 'requeued' });
      requeues.inc({ reason: 'lease_expired' });
      continue;
    }
    leaseExpiries.inc({ outcome: row.status === ScanStatus.CANCELLED ? 'cancelled' : 'failed' });
    scanEnded(row);
  }
}

/** A worker put its own scan back in the queue (`retry`: the attempt counted; `released`: shutdown). */
export function scanRequeued(reason: 'retry' | 'released'): void {
  requeues.inc({ reason });
}

/**
 * Times the steps of one attempt: `start(position)` when a step begins,
 * `finish(...)` when its outcome is stored. A step never finished (the
 * attempt ended first) is simply not observed.
 */
export class StepClock {
  private readonly started = new Map<number, number>();

  start(position: number): void {
    this.started.set(position, performance.now());
  }

  finish(position: number, step: string, status: 'SUCCEEDED' | 'FAILED'): void {
    const t0 = this.started.get(position);
    if (t0 === undefined) return;
    this.started.delete(position);
    stepDuration.observe({ step, status }, (performance.now() - t0) / 1000);
  }
}

/**
 * An event was handed to a subscriber's socket at `sentAt` (ms since the
 * epoch). `committedAt` is the database's clock and `sentAt` this process's:
 * on another machine the figure includes the clocks' skew, so a negative one
 * is counted as 0.
 */
export function eventDelivered(
  subscription: 'scanProgress' | 'scanUpdates',
  committedAt: Date,
  sentAt = Date.now(),
): void {
  eventLag.observe({ subscription }, Math.max(0, sentAt - committedAt.getTime()) / 1000);
}
