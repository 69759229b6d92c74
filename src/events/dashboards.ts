import type pg from 'pg';

import { isTerminal } from '../domain/states';
import { committedAfter, cursorFrom, type LogCursor } from './log-cursor';
import { type EventFilter, matchesFilter, type ScanEvent } from './scan-event';
import * as sql from './sql';
import type { SubscriptionQueue } from './subscription-queue';

/** Finished scans whose last offered seq is remembered, the oldest forgotten first. */
const MAX_FINISHED_REMEMBERED = 10_000;

/** One scanUpdates subscriber: its place in the log, its filter and its queue. */
export interface Dashboard {
  readonly filter: EventFilter | null;
  readonly queue: SubscriptionQueue<ScanEvent>;
  /** Null until the head read answers; events offered meanwhile wait in `early`. */
  cursor: LogCursor | null;
  early: ScanEvent[] | null;
}

/**
 * The dashboards (scanUpdates subscribers) of one hub. Each has its own
 * cursor, the log's head when it subscribed, and takes only rows committed
 * after it: whatever read brings a row here (a NOTIFY, a catch-up for a
 * scanProgress subscriber, a reconnect, a poll), a row older than the
 * dashboard is not its. A row is offered at most once (`offered`), so a
 * re-read never repeats one.
 */
export class Dashboards {
  readonly subs = new Set<Dashboard>();
  /** Highest seq offered per scan. */
  private readonly offered = new Map<string, number>();
  /** Scans whose terminal event was offered, in the order they finished. */
  private readonly finished = new Set<string>();
  /** The head read that dashboards registered now will share, if one is about to start. */
  private nextHead: Promise<LogCursor> | null = null;

  constructor(private readonly pgPool: pg.Pool) {}

  get size(): number {
    return this.subs.size;
  }

  /** Registers a dashboard at once, so no row committed after its head read can pass it by. */
  add(filter: EventFilter | null, queue: SubscriptionQueue<ScanEvent>): Dashboard {
    const sub: Dashboard = { filter, queue, cursor: null, early: [] };
    this.subs.add(sub);
    return sub;
  }

  /**
   * Resolves once the dashboard's cursor is known (dashboards that subscribe
   * together share one head read), then hands it what was offered meanwhile.
   */
  async start(sub: Dashboard): Promise<void> {
    try {
      sub.cursor = await this.head();
    } catch (e) {
      sub.queue.end();
      throw e;
    }
    const early = sub.early ?? [];
    sub.early = null;
    for (const event of early) this.deliver(sub, event);
  }

  remove(sub: Dashboard): void {
    this.subs.delete(sub);
    // Nobody left who could take a row twice: forget what was offered.
    if (this.subs.size === 0) {
      this.offered.clear();
      this.finished.clear();
    }
  }

  /** Where a read of `scanId` for the dashboards starts. */
  readFrom(scanId: string): number {
    return this.offered.get(scanId) ?? 0;
  }

  /** Whether every event of the scan up to `seq` was offered already. */
  hasOffered(scanId: string, seq: number): boolean {
    return seq <= (this.offered.get(scanId) ?? 0);
  }

  /** Offers one event (in seq order per scan) to every dashboard whose it is. */
  offer(event: ScanEvent): void {
    if (this.subs.size === 0 || this.hasOffered(event.scanId, event.seq)) return;
    this.offered.set(event.scanId, event.seq);
    if (isTerminal(event.status)) this.remember(event.scanId);
    for (const sub of this.subs) {
      if (sub.early) sub.early.push(event);
      else this.deliver(sub, event);
    }
  }

  endAll(): void {
    for (const sub of [...this.subs]) sub.queue.end();
  }

  private deliver(sub: Dashboard, event: ScanEvent): void {
    if (sub.queue.closed || !event.position) return;
    if (!committedAfter(sub.cursor!, event.position)) return;
    if (sub.filter && !matchesFilter(sub.filter, event)) return;
    sub.queue.push(event);
  }

  private remember(scanId: string): void {
    this.finished.delete(scanId);
    this.finished.add(scanId);
    if (this.finished.size > MAX_FINISHED_REMEMBERED) {
      const oldest = this.finished.values().next().value!;
      this.finished.delete(oldest);
      this.offered.delete(oldest);
    }
  }

  /** The head read the next dashboards share: one started after they registered. */
  private head(): Promise<LogCursor> {
    this.nextHead ??= new Promise<LogCursor>((resolve, reject) => {
      // Let every dashboard subscribing in this tick join before the read starts.
      setImmediate(() => {
        this.nextHead = null;
        this.pgPool
          .query<{ id: string; snapshot: string }>(sql.LOG_HEAD)
          .then((r) => resolve(cursorFrom(r.rows[0]!.id, r.rows[0]!.snapshot)), reject);
      });
    });
    return this.nextHead;
  }
}
