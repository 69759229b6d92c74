import { EventEmitter } from 'node:events';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import type { ScanRow } from '../queue/rows';
import { CATCH_UP_RETRY, delayFor } from '../util/backoff';
import { type Dashboard, Dashboards } from './dashboards';
import type { EventSink, EventSource } from './event-source';
import { ScanFollowers } from './followers';
import type { HubOptions } from './hub-options';
import { ListenSource } from './listen-source';
import { type LoggedEventRow, positionOf } from './log-cursor';
import { PollSource } from './poll-source';
import type { EventFilter, ScanEvent } from './scan-event';
import * as sql from './sql';
import type { SlowSubscriberError } from './subscription-queue';
import { SubscriptionQueue } from './subscription-queue';

/** Scans per batched log read (an upper bound on the statement's arrays). */
const MAX_SCANS_PER_READ = 500;

/** Told when a subscription is cut off for not taking its events. */
export type OnSlow = (error: SlowSubscriberError) => void;

/** What the hub tells the API layer. */
interface HubEvents {
  /** An API key was revoked, by any process. */
  keyRevoked: [keyId: string];
  /** LISTEN came back: revocation NOTIFYs sent meanwhile were lost. */
  reconnected: [];
}

/**
 * Fans progress events out to the subscribers in this process. Its source
 * (a LISTEN connection or a poll timer) says which scans moved; the hub
 * reads each scan's new log rows once, whatever the number of subscribers,
 * and hands the same objects to each. After a reconnect it catches every
 * followed scan up from the log.
 *
 * A read may be made for one subscriber (a scanProgress with afterSeq) or
 * for a reconnect, and may hold rows others had or must never get, so each
 * subscriber has its own cursor: a seq for scanProgress (followers.ts), a log position for
 * dashboards (dashboards.ts). A row passes only the cursors it is beyond.
 */
export class EventHub {
  private readonly log: Logger;
  private readonly source: EventSource;
  private readonly emitter = new EventEmitter<HubEvents>();
  private readonly followers: ScanFollowers;
  private readonly dashboards: Dashboards;
  /** Scans whose log is to be read in the next batch. */
  private readonly toRead = new Set<string>();
  /** The scans of the batch being read now, or null. */
  private inBatch: Set<string> | null = null;
  private reading = false;
  /** Consecutive failed reads per scan, and the retry scheduled after them. */
  private readonly readFailures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: HubOptions) {
    this.log = options.log.child({ component: 'event-hub' });
    this.dashboards = new Dashboards(options.pgPool);
    this.followers = new ScanFollowers(options.pgPool, (scanId) => this.catchUp(scanId));
    const sink: EventSink = {
      follows: (scanId) => this.follows(scanId),
      scanChanged: (scanId, seq) => this.onScanChanged(scanId, seq),
      scanEvents: (scan, events) => this.onScanEvents(scan, events),
      keyRevoked: (keyId) => this.emitter.emit('keyRevoked', keyId),
      resync: () => {
        this.catchUpAll();
        this.emitter.emit('reconnected');
      },
    };
    this.source =
      options.mode === 'poll'
        ? new PollSource({
            pgPool: options.pgPool,
            log: this.log,
            sink,
            intervalMs: options.pollIntervalMs,
          })
        : new ListenSource({ connectionString: options.connectionString, log: this.log, sink });
  }

  async start(): Promise<void> {
    await this.source.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    await this.source.stop();
    this.followers.endAll();
    this.dashboards.endAll();
  }

  /** Called with the key id when any API process revokes an API key. */
  onApiKeyRevoked(fn: (keyId: string) => void): void {
    this.emitter.on('keyRevoked', fn);
  }

  /** Called after the LISTEN connection came back (listen mode). */
  onReconnect(fn: () => void): void {
    this.emitter.on('reconnected', fn);
  }

  /** Listen mode: whether the LISTEN connection is up now (/readyz); null in poll mode. */
  get listening(): boolean | null {
    return this.source.listening ?? null;
  }

  get subscriberCount(): number {
    return this.dashboards.size + this.followers.size;
  }

  /**
   * Follows one scan. With `afterSeq` the stream replays every logged event
   * after it; without, it starts with the scan's current state. It completes
   * after the terminal event.
   */
  subscribeScan(
    scanId: string,
    afterSeq: number | null,
    onSlow?: OnSlow,
  ): Promise<SubscriptionQueue<ScanEvent> | null> {
    // The database spells ids in lower case, and events are matched to
    // followers by that spelling; an id given in upper case is the same scan.
    const id = scanId.toLowerCase();
    return this.followers.subscribe(id, afterSeq, (onClose) => this.queue(id, onSlow, onClose));
  }

  /**
   * Follows every scan's events committed from now on (dashboards). Resolves
   * once the dashboard's place in the log is known.
   */
  async subscribeAll(
    filter: EventFilter | null,
    onSlow?: OnSlow,
  ): Promise<SubscriptionQueue<ScanEvent>> {
    const holder: { dashboard?: Dashboard } = {};
    const queue = this.queue(null, onSlow, () => {
      if (holder.dashboard) this.dashboards.remove(holder.dashboard);
    });
    holder.dashboard = this.dashboards.add(filter, queue);
    await this.dashboards.start(holder.dashboard);
    return queue;
  }

  private queue(
    scanId: string | null,
    onSlow: OnSlow | undefined,
    onClose: () => void,
  ): SubscriptionQueue<ScanEvent> {
    return new SubscriptionQueue<ScanEvent>({
      maxPending: this.options.maxPendingPerSubscriber ?? 10_000,
      stallMs: this.options.subscriberStallMs ?? 10_000,
      onClose,
      onSlow: (e) => {
        this.log.warn(
          { scanId, pending: e.pending, stalledMs: Math.round(e.stalledMs) },
          'cutting off a subscriber that stopped reading',
        );
        onSlow?.(e);
      },
    });
  }

  /** Whether any subscriber takes events of this scan. */
  private follows(scanId: string): boolean {
    return this.dashboards.size > 0 || this.followers.has(scanId);
  }

  /** A NOTIFY: read the scan's log unless nobody follows it or every dashboard had the event. */
  private onScanChanged(scanId: string, seq: number): void {
    if (!this.follows(scanId)) return;
    if (!this.followers.has(scanId) && this.dashboards.hasOffered(scanId, seq)) return;
    this.catchUp(scanId);
  }

  /** Rows a poll read: delivered here, unless a catch-up read of the scan is running. */
  private onScanEvents(scan: ScanRow, events: readonly LoggedEventRow[]): void {
    // A read of this scan is running: the next batch reads these rows again,
    // so one scan's events are never delivered by two reads at once.
    if (this.inBatch?.has(scan.id)) this.catchUp(scan.id);
    else this.deliverEvents(scan, events);
  }

  private catchUpAll(): void {
    const ids = this.followers.scanIds();
    this.catchUpDashboards(1);
    for (const id of ids) this.catchUp(id);
  }

  /** Dashboards: every scan that may have moved while LISTEN was down. */
  private catchUpDashboards(attempt: number): void {
    if (this.dashboards.size === 0 || this.stopped) return;
    void this.options.pgPool
      .query<{ id: string }>(sql.RECENTLY_ACTIVE_SCANS)
      .then((r) => r.rows.forEach((row) => this.catchUp(row.id)))
      .catch((e: unknown) => {
        const delay = delayFor(CATCH_UP_RETRY, attempt);
        this.log.warn({ err: toError(e), retryInMs: delay }, 'dashboard catch-up failed');
        setTimeout(() => this.catchUpDashboards(attempt + 1), delay).unref();
      });
  }

  /**
   * Marks a scan's log to be read after the lowest cursor that needs it.
   * Reads are batched: one read (two statements) at a time takes every scan
   * marked so far, so the statements per event fall as the event rate rises,
   * and no scan's rows are ever delivered by two reads at once.
   */
  private catchUp(scanId: string): void {
    this.toRead.add(scanId);
    if (this.reading) return;
    this.reading = true;
    // After the current task: NOTIFYs that arrived together join one batch.
    queueMicrotask(() => void this.readBatches());
  }

  /** Reads and delivers batches until no scan is marked. */
  private async readBatches(): Promise<void> {
    try {
      while (this.toRead.size > 0 && !this.stopped) {
        const batch = [...this.toRead].slice(0, MAX_SCANS_PER_READ);
        for (const id of batch) this.toRead.delete(id);
        this.inBatch = new Set(batch);
        try {
          await this.readAndDeliver(batch);
          for (const id of batch) this.readFailures.delete(id);
        } catch (e) {
          for (const id of batch) this.retryLater(id, e);
        }
      }
    } finally {
      this.inBatch = null;
      this.reading = false;
    }
  }

  /**
   * A failed read (the database restarting, a dropped pool connection) is
   * tried again with backoff while anyone still follows the scan: the
   * NOTIFY that triggered it is spent, and a scan that already ended sends
   * no other, so waiting for "the next event" could wait forever.
   */
  private retryLater(scanId: string, e: unknown): void {
    const failures = (this.readFailures.get(scanId) ?? 0) + 1;
    this.readFailures.set(scanId, failures);
    const followed = () => !this.stopped && this.follows(scanId);
    if (!followed() || this.retryTimers.has(scanId)) {
      if (!followed()) this.readFailures.delete(scanId);
      this.log.warn({ err: toError(e), scanId }, 'reading scan events failed');
      return;
    }
    const delay = delayFor(CATCH_UP_RETRY, failures);
    this.log.warn(
      { err: toError(e), scanId, failures, retryInMs: delay },
      'reading scan events failed; retrying',
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(scanId);
      if (followed()) this.catchUp(scanId);
      else this.readFailures.delete(scanId);
    }, delay);
    timer.unref();
    this.retryTimers.set(scanId, timer);
  }

  /** One read of several scans' logs, each from the lowest cursor that needs it. */
  private async readAndDeliver(scanIds: readonly string[]): Promise<void> {
    const fromOf = new Map<string, number>();
    for (const scanId of scanIds) {
      const from = Math.min(
        this.dashboards.size > 0 ? this.dashboards.readFrom(scanId) : Infinity,
        this.followers.readFrom(scanId),
      );
      if (from !== Infinity) fromOf.set(scanId, from);
    }
    if (fromOf.size === 0) return;
    const events = (
      await this.options.pgPool.query<LoggedEventRow>(sql.EVENTS_AFTER_MANY, [
        [...fromOf.keys()],
        [...fromOf.values()],
      ])
    ).rows;
    if (events.length === 0) return;
    const byScan = new Map<string, LoggedEventRow[]>();
    for (const e of events) {
      const list = byScan.get(e.scan_id);
      if (list) list.push(e);
      else byScan.set(e.scan_id, [e]);
    }
    const scans = (await this.options.pgPool.query<ScanRow>(sql.SCANS_BY_IDS, [[...byScan.keys()]]))
      .rows;
    for (const scan of scans) {
      this.deliverEvents(scan, byScan.get(scan.id)!, fromOf.get(scan.id));
    }
  }

  /** Hands one scan's log rows, in seq order, to each subscriber beyond whose cursor they are. */
  private deliverEvents(scan: ScanRow, events: readonly LoggedEventRow[], readFrom?: number): void {
    const scanId = scan.id;
    let gap = false;
    for (const e of events) {
      const event: ScanEvent = {
        scanId,
        seq: e.seq,
        status: e.status,
        progress: e.progress,
        step: e.step,
        message: e.message,
        at: e.at,
        scan,
        position: positionOf(e),
      };
      gap = !this.followers.offer(event, readFrom) || gap;
      this.dashboards.offer(event);
    }
    // A subscriber behind these rows (its cursor set while another read was
    // running) gets its own read from its cursor.
    if (gap) this.catchUp(scanId);
  }
}
