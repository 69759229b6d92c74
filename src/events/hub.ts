import type pg from 'pg';

import { PgListener } from '../db/listener';
import { toError } from '../domain/errors';
import { isTerminal } from '../domain/states';
import type { Logger } from '../logger';
import type { ScanEventRow, ScanRow } from '../queue/rows';
import { SCAN_BY_ID } from '../queue/sql';
import { CATCH_UP_RETRY, delayFor } from '../util/backoff';
import * as sql from './sql';
import type { SlowSubscriberError } from './subscription-queue';
import { SubscriptionQueue } from './subscription-queue';

/** One progress event with the scan row as it was read right after it. */
export interface ProgressEvent {
  scanId: string;
  seq: number;
  status: ScanEventRow['status'];
  progress: number;
  step: string | null;
  message: string | null;
  at: Date;
  scan: ScanRow;
}

/** Told when a subscription is cut off for not taking its events. */
export type OnSlow = (error: SlowSubscriberError) => void;

export interface ScanFilter {
  statuses?: string[];
  types?: string[];
}

interface Subscriber {
  /** Deliver only events of this scan (null: every scan, for dashboards). */
  scanId: string | null;
  filter: ScanFilter | null;
  lastSeq: Map<string, number>;
  queue: SubscriptionQueue<ProgressEvent>;
  /** Completes after the terminal event (single-scan subscriptions). */
  completeOnTerminal: boolean;
}

const MAX_FINISHED_REMEMBERED = 10_000;

/** Poll mode: log rows read per statement (the poll reads again while a batch is full). */
const POLL_BATCH = 500;
/**
 * Poll mode: how long an id skipped by the log (an insert whose transaction
 * had not committed when a higher id was read) is looked for again. Past
 * this, it is taken for a rolled-back insert.
 */
const GAP_TTL_MS = 60_000;
/** Poll mode: a larger jump of the id sequence is a reset (setval), not uncommitted inserts. */
const MAX_GAP = 1_000;

export interface HubOptions {
  pool: pg.Pool;
  connectionString: string;
  log: Logger;
  /** Events a subscriber may have waiting before it is cut off at once. Default 10000. */
  maxPendingPerSubscriber?: number;
  /**
   * A subscriber with events waiting that has taken none for this long (its
   * client stopped reading) is cut off. Default 10000 ms.
   */
  subscriberStallMs?: number;
  /**
   * `listen` (default): one LISTEN connection, woken by NOTIFY. `poll`: no
   * LISTEN; a timer reads new log rows and revoked keys every `pollIntervalMs`.
   */
  mode?: 'listen' | 'poll';
  /** Poll mode interval. Default 500 ms. */
  pollIntervalMs?: number;
}

/**
 * Fans progress events out to subscribers in this process from one LISTEN
 * connection. A NOTIFY names (scanId, seq); the hub reads the scan's new log
 * rows once, whatever the number of subscribers, and hands the same objects
 * to each. After a reconnect it catches every followed scan up from the log.
 *
 * In poll mode there is no LISTEN connection: every `pollIntervalMs` one read
 * takes the log rows of all scans after the highest `scan_events.id` seen,
 * and the same delivery hands them out (see poll).
 */
export class EventHub {
  private readonly listener: PgListener | null = null;
  private readonly byScan = new Map<string, Set<Subscriber>>();
  private readonly global = new Set<Subscriber>();
  /** Highest seq read from the log per followed scan. */
  private readonly readUpTo = new Map<string, number>();
  /**
   * Terminal seq of finished scans that only dashboards watched, so a late
   * NOTIFY or a repeated read cannot deliver their events twice. Bounded:
   * the oldest entries go first.
   */
  private readonly finished = new Map<string, number>();
  /** One catch-up read in flight per scan; further NOTIFYs set `again`. */
  private readonly inFlight = new Map<string, { again: boolean }>();
  /** Consecutive failed reads per scan, and the retry scheduled after them. */
  private readonly readFailures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly log: Logger;
  /** Poll mode: the highest log id read. */
  private lastId = 0;
  /** Poll mode: ids below lastId not read yet, with when they were first missed. */
  private readonly gaps = new Map<number, number>();
  /** Poll mode: the database clock at the last revocation check. */
  private revokedCheckedAt: Date | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly options: HubOptions) {
    this.log = options.log.child({ component: 'event-hub' });
    if (options.mode === 'poll') return;
    this.listener = new PgListener({
      connectionString: options.connectionString,
      channels: ['scan_events', 'api_key_revoked'],
      log: this.log,
      applicationName: 'hostscan-api-listen',
    });
    this.listener.on('notification', (channel: string, payload: string) => {
      if (channel === 'api_key_revoked') {
        for (const fn of this.revokedListeners) fn(payload);
      } else {
        this.onNotify(payload);
      }
    });
    this.listener.on('connected', (reconnect: boolean) => {
      if (!reconnect) return;
      this.catchUpAll();
      // A revocation NOTIFY sent while LISTEN was down is lost: look again.
      for (const fn of this.reconnectListeners) fn();
    });
  }

  private readonly revokedListeners: Array<(keyId: string) => void> = [];
  private readonly reconnectListeners: Array<() => void> = [];

  /** Called after the LISTEN connection came back (listen mode). */
  onReconnect(fn: () => void): void {
    this.reconnectListeners.push(fn);
  }

  async start(): Promise<void> {
    if (this.listener) return this.listener.start();
    // Poll mode: start at the end of the log and at the database's clock.
    const { rows } = await this.options.pool.query<{ id: string; now: Date }>(sql.LOG_END);
    this.lastId = Number(rows[0]!.id);
    this.revokedCheckedAt = rows[0]!.now;
    this.schedulePoll();
  }

  /** Called with the key id when any API process revokes an API key. */
  onApiKeyRevoked(fn: (keyId: string) => void): void {
    this.revokedListeners.push(fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await this.polling;
    await this.listener?.stop();
    for (const s of [...this.global, ...[...this.byScan.values()].flatMap((set) => [...set])])
      s.queue.end();
  }

  get subscriberCount(): number {
    let n = this.global.size;
    for (const set of this.byScan.values()) n += set.size;
    return n;
  }

  /**
   * Follows one scan. With `afterSeq` the stream replays every logged event
   * after it; without, it starts with the scan's current state. It completes
   * after the terminal event.
   */
  async subscribeScan(
    scanId: string,
    afterSeq: number | null,
    onSlow?: OnSlow,
  ): Promise<SubscriptionQueue<ProgressEvent> | null> {
    const sub = this.register(scanId, null, true, onSlow);
    // Until the starting point is known, drop whatever a concurrent catch-up
    // delivers: the reads below start from the right seq and miss nothing.
    sub.lastSeq.set(scanId, Number.MAX_SAFE_INTEGER);
    try {
      const scan = (await this.options.pool.query<ScanRow>(SCAN_BY_ID, [scanId])).rows[0];
      if (!scan) {
        sub.queue.end();
        return null;
      }
      if (afterSeq === null) {
        sub.lastSeq.delete(scanId);
        this.deliver(sub, {
          scanId,
          seq: scan.last_seq,
          status: scan.status,
          progress: scan.progress,
          step: scan.current_step,
          message: 'current state',
          at: new Date(),
          scan,
        });
      } else {
        sub.lastSeq.set(scanId, afterSeq);
        if (isTerminal(scan.status) && afterSeq >= scan.last_seq) sub.queue.end();
      }
      // Events logged after the read above come from the log, not lost.
      if (!sub.queue.closed) this.catchUp(scanId);
      return sub.queue;
    } catch (e) {
      sub.queue.end();
      throw new Error(`cannot follow scan ${scanId}`, { cause: toError(e) });
    }
  }

  /** Follows every scan's events from now on (dashboards). */
  subscribeAll(filter: ScanFilter | null, onSlow?: OnSlow): SubscriptionQueue<ProgressEvent> {
    return this.register(null, filter, false, onSlow).queue;
  }

  private register(
    scanId: string | null,
    filter: ScanFilter | null,
    completeOnTerminal: boolean,
    onSlow: OnSlow | undefined,
  ): Subscriber {
    const sub: Subscriber = {
      scanId,
      filter,
      lastSeq: new Map(),
      completeOnTerminal,
      queue: new SubscriptionQueue<ProgressEvent>({
        maxPending: this.options.maxPendingPerSubscriber ?? 10_000,
        stallMs: this.options.subscriberStallMs ?? 10_000,
        onClose: () => this.unregister(sub),
        onSlow: (e) => {
          this.log.warn(
            { scanId, pending: e.pending, stalledMs: Math.round(e.stalledMs) },
            'cutting off a subscriber that stopped reading',
          );
          onSlow?.(e);
        },
      }),
    };
    if (scanId === null) this.global.add(sub);
    else {
      let set = this.byScan.get(scanId);
      if (!set) this.byScan.set(scanId, (set = new Set()));
      set.add(sub);
    }
    return sub;
  }

  private unregister(sub: Subscriber): void {
    if (sub.scanId === null) {
      this.global.delete(sub);
      return;
    }
    const set = this.byScan.get(sub.scanId);
    set?.delete(sub);
    if (set && set.size === 0) {
      this.byScan.delete(sub.scanId);
      this.readUpTo.delete(sub.scanId);
    }
  }

  private onNotify(payload: string): void {
    let scanId: string;
    let seq: number;
    try {
      ({ scanId, seq } = JSON.parse(payload) as { scanId: string; seq: number });
    } catch {
      this.log.warn({ payload }, 'ignoring a malformed scan_events payload');
      return;
    }
    if (typeof scanId !== 'string' || !Number.isInteger(seq)) return;
    if (this.global.size === 0 && !this.byScan.has(scanId)) return;
    if (!this.byScan.has(scanId) && seq <= (this.finished.get(scanId) ?? 0)) return;
    this.catchUp(scanId, seq);
  }

  private catchUpAll(): void {
    const ids = new Set(this.byScan.keys());
    this.catchUpDashboards(1);
    for (const id of ids) this.catchUp(id);
  }

  /** Dashboards: every scan that may have moved while LISTEN was down. */
  private catchUpDashboards(attempt: number): void {
    if (this.global.size === 0 || this.stopped) return;
    void this.options.pool
      .query<{ id: string }>(sql.RECENTLY_ACTIVE_SCANS)
      .then((r) => r.rows.forEach((row) => this.catchUp(row.id)))
      .catch((e: unknown) => {
        const delay = delayFor(CATCH_UP_RETRY, attempt);
        this.log.warn({ err: toError(e), retryInMs: delay }, 'dashboard catch-up failed');
        setTimeout(() => this.catchUpDashboards(attempt + 1), delay).unref();
      });
  }

  /** Reads a scan's log after what this hub has read, once, and delivers it. */
  private catchUp(scanId: string, notifiedSeq?: number): void {
    // A scan only dashboards watch starts at the notified event, not its history.
    if (notifiedSeq !== undefined && !this.readUpTo.has(scanId) && !this.byScan.has(scanId)) {
      this.readUpTo.set(scanId, notifiedSeq - 1);
    }
    const running = this.inFlight.get(scanId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.inFlight.set(scanId, state);
    void (async () => {
      try {
        do {
          state.again = false;
          await this.readAndDeliver(scanId);
        } while (state.again);
        this.readFailures.delete(scanId);
      } catch (e) {
        this.inFlight.delete(scanId);
        this.retryLater(scanId, e);
        return;
      }
      this.inFlight.delete(scanId);
    })();
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
    const followed = () => !this.stopped && (this.byScan.has(scanId) || this.global.size > 0);
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

  private async readAndDeliver(scanId: string): Promise<void> {
    const subs = this.byScan.get(scanId);
    if (!subs && this.finished.has(scanId)) return;
    // Start from the lowest seq any subscriber of this scan still needs.
    let from = this.readUpTo.get(scanId) ?? Number.MAX_SAFE_INTEGER;
    for (const s of subs ?? []) from = Math.min(from, s.lastSeq.get(scanId) ?? 0);
    if (from === Number.MAX_SAFE_INTEGER) from = 0;
    const events = (await this.options.pool.query<ScanEventRow>(sql.EVENTS_AFTER, [scanId, from]))
      .rows;
    if (events.length === 0) return;
    const scan = (await this.options.pool.query<ScanRow>(SCAN_BY_ID, [scanId])).rows[0];
    if (scan) this.deliverEvents(scan, events);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedulePoll());
    }, this.options.pollIntervalMs ?? 500);
    this.pollTimer.unref();
  }

  /** Poll mode: one pass of the timer. A failure is logged; the next pass retries. */
  private async poll(): Promise<void> {
    try {
      let read: number;
      do read = await this.pollEvents();
      while (read === POLL_BATCH && !this.stopped);
      await this.pollRevoked();
    } catch (e) {
      this.log.warn({ err: toError(e) }, 'polling for events failed; the next poll retries');
    }
  }

  /**
   * Reads the log rows after the highest id seen, for all scans at once, and
   * delivers them per scan through the same code as a NOTIFY's read. Ids are
   * taken at insert but become visible at commit, so a lower id can appear
   * after a higher one: ids skipped are read again until they appear (or
   * for GAP_TTL_MS, past which the insert was rolled back). Returns the
   * number of rows read.
   */
  private async pollEvents(): Promise<number> {
    const now = Date.now();
    for (const [id, since] of this.gaps) if (now - since > GAP_TTL_MS) this.gaps.delete(id);
    const { pool } = this.options;
    const { rows } = await pool.query<ScanEventRow & { id: string }>(sql.EVENTS_SINCE_ID, [
      this.lastId,
      [...this.gaps.keys()],
      POLL_BATCH,
    ]);
    const byScan = new Map<string, ScanEventRow[]>();
    for (const row of rows) {
      const id = Number(row.id);
      if (id > this.lastId) {
        if (id - this.lastId <= MAX_GAP)
          for (let skipped = this.lastId + 1; skipped < id; skipped++) this.gaps.set(skipped, now);
        this.lastId = id;
      } else this.gaps.delete(id);
      if (!this.byScan.has(row.scan_id) && this.global.size === 0) continue;
      let list = byScan.get(row.scan_id);
      if (!list) byScan.set(row.scan_id, (list = []));
      list.push(row);
    }
    if (byScan.size === 0) return rows.length;
    const scans = await pool.query<ScanRow>(sql.SCANS_BY_IDS, [[...byScan.keys()]]);
    for (const scan of scans.rows) {
      const running = this.inFlight.get(scan.id);
      // A catch-up read of this scan is running: let it read these rows too,
      // so one scan's events are never delivered by two reads at once.
      if (running) running.again = true;
      else
        this.deliverEvents(
          scan,
          byScan.get(scan.id)!.sort((a, b) => a.seq - b.seq),
        );
    }
    return rows.length;
  }

  /** Poll mode: closes the sockets of keys revoked since the last check. */
  private async pollRevoked(): Promise<void> {
    const { rows } = await this.options.pool.query<{ now: Date; ids: string[] }>(
      sql.REVOKED_SINCE,
      [this.revokedCheckedAt],
    );
    this.revokedCheckedAt = rows[0]!.now;
    for (const id of rows[0]!.ids) for (const fn of this.revokedListeners) fn(id);
  }

  /** Hands one scan's new log rows, in seq order, to its subscribers and the dashboards. */
  private deliverEvents(scan: ScanRow, events: ScanEventRow[]): void {
    const scanId = scan.id;
    const last = events[events.length - 1]!.seq;
    this.readUpTo.set(scanId, Math.max(last, this.readUpTo.get(scanId) ?? 0));
    for (const e of events) {
      const event: ProgressEvent = {
        scanId,
        seq: e.seq,
        status: e.status,
        progress: e.progress,
        step: e.step,
        message: e.message,
        at: e.at,
        scan,
      };
      for (const s of this.byScan.get(scanId) ?? []) this.deliver(s, event);
      for (const s of this.global) this.deliver(s, event);
    }
    const lastEvent = events[events.length - 1]!;
    if (isTerminal(lastEvent.status) && !this.byScan.has(scanId))
      this.forget(scanId, lastEvent.seq);
  }

  /** A finished scan nobody follows individually: drop its per-scan state. */
  private forget(scanId: string, terminalSeq: number): void {
    this.readUpTo.delete(scanId);
    for (const s of this.global) s.lastSeq.delete(scanId);
    this.finished.set(scanId, terminalSeq);
    if (this.finished.size > MAX_FINISHED_REMEMBERED) {
      this.finished.delete(this.finished.keys().next().value!);
    }
  }

  private deliver(sub: Subscriber, event: ProgressEvent): void {
    if (sub.queue.closed) return;
    const seen = sub.lastSeq.get(event.scanId);
    if (seen !== undefined && event.seq <= seen) return;
    if (sub.filter && !matches(sub.filter, event)) {
      sub.lastSeq.set(event.scanId, event.seq);
      return;
    }
    sub.lastSeq.set(event.scanId, event.seq);
    sub.queue.push(event);
    if (sub.completeOnTerminal && isTerminal(event.status)) sub.queue.end();
  }
}

function matches(filter: ScanFilter, event: ProgressEvent): boolean {
  if (filter.statuses?.length && !filter.statuses.includes(event.status)) return false;
  if (filter.types?.length && !filter.types.includes(event.scan.type)) return false;
  return true;
}
