import type pg from 'pg';

import { toError } from '../domain/errors';
import { isTerminal } from '../domain/states';
import type { ScanRow } from '../queue/rows';
import { SCAN_BY_ID } from '../queue/sql';
import type { ScanEvent } from './scan-event';
import type { SubscriptionQueue } from './subscription-queue';

/** One scanProgress subscriber: its own cursor and its queue. */
interface Follower {
  readonly scanId: string;
  /** The last seq it was handed (or will start after); completes after the terminal event. */
  cursor: number;
  /** False until its starting point is known: until then it is handed nothing. */
  ready: boolean;
  /**
   * Seqs up to here are not sent: an afterSeq past the end of the log. The
   * cursor still starts at the log's end, so the subscriber follows the
   * scan and completes after its terminal event.
   */
  silentThrough: number;
  readonly queue: SubscriptionQueue<ScanEvent>;
}

/** A scan's row as one read saw it, and the "current state" event made from it. */
interface Snapshot {
  readonly scan: ScanRow;
  readonly current: ScanEvent;
}

/**
 * The scanProgress subscribers of one hub (the single-scan path; the
 * dashboards are dashboards.ts). Each has its own seq cursor; the hub's
 * reads bring rows and {@link offer} hands each follower the ones it is
 * owed, in order.
 */
export class ScanFollowers {
  private readonly byScan = new Map<string, Set<Follower>>();
  /** The scan-row read in flight per scan, shared by the subscribes that wait for it. */
  private readonly snapshots = new Map<string, Promise<Snapshot | null>>();

  /**
   * @param catchUp asks the hub to read the scan's log after the lowest
   *   cursor that needs it (and offer what it finds).
   */
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly catchUp: (scanId: string) => void,
  ) {}

  get size(): number {
    let n = 0;
    for (const set of this.byScan.values()) n += set.size;
    return n;
  }

  has(scanId: string): boolean {
    return this.byScan.has(scanId);
  }

  scanIds(): Set<string> {
    return new Set(this.byScan.keys());
  }

  /**
   * Follows one scan. With `afterSeq` the stream replays every logged event
   * after it; without, it starts with the scan's current state. It completes
   * after the terminal event. Null when there is no such scan.
   *
   * @param queue makes the follower's queue; `onClose` must run when it closes.
   * @throws Error (with the database error as cause) when the scan cannot be read.
   */
  async subscribe(
    scanId: string,
    afterSeq: number | null,
    queue: (onClose: () => void) => SubscriptionQueue<ScanEvent>,
  ): Promise<SubscriptionQueue<ScanEvent> | null> {
    // Until the starting point is known, drop whatever a concurrent catch-up
    // delivers: the reads below start from the right seq and miss nothing.
    const sub: Follower = {
      scanId,
      cursor: 0,
      ready: false,
      silentThrough: 0,
      queue: queue(() => this.remove(sub)),
    };
    let set = this.byScan.get(scanId);
    if (!set) this.byScan.set(scanId, (set = new Set()));
    set.add(sub);
    try {
      const snapshot = await this.snapshot(scanId);
      if (!snapshot) {
        sub.queue.end();
        return null;
      }
      const { scan } = snapshot;
      if (afterSeq === null) {
        sub.cursor = scan.last_seq - 1;
        sub.ready = true;
        this.deliver(sub, snapshot.current);
      } else {
        sub.cursor = Math.min(afterSeq, scan.last_seq);
        sub.silentThrough = afterSeq;
        sub.ready = true;
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

  /** Where a read of the scan's log must start for its followers (Infinity: none needs one). */
  readFrom(scanId: string): number {
    let from = Infinity;
    for (const s of this.byScan.get(scanId) ?? []) if (s.ready) from = Math.min(from, s.cursor);
    return from;
  }

  /**
   * Hands one event (in seq order) to every follower of its scan that is
   * owed it. False when some follower is behind the event: it needs a read
   * from its own cursor. `readFrom` is where the read that brought the event
   * started (see {@link deliver}).
   */
  offer(event: ScanEvent, readFrom?: number): boolean {
    let ok = true;
    for (const s of this.byScan.get(event.scanId) ?? [])
      ok = this.deliver(s, event, readFrom) && ok;
    return ok;
  }

  endAll(): void {
    for (const s of [...this.byScan.values()].flatMap((set) => [...set])) s.queue.end();
  }

  private remove(sub: Follower): void {
    const set = this.byScan.get(sub.scanId);
    set?.delete(sub);
    if (set && set.size === 0) this.byScan.delete(sub.scanId);
  }

  /**
   * The scan's row and its "current state" event, read once for every
   * subscriber that asks while the read is in flight (a storm of 10,000
   * subscribes to one scan costs a few reads, not 10,000), and the same
   * event object for all of them, so the API executes it once per distinct
   * operation. Sharing a read that started before a subscriber registered
   * loses nothing: the subscriber's cursor comes from this row, and its
   * catch-up read (after registering) brings every later event from the log.
   */
  private snapshot(scanId: string): Promise<Snapshot | null> {
    let read = this.snapshots.get(scanId);
    if (!read) {
      read = this.pgPool
        .query<ScanRow>(SCAN_BY_ID, [scanId])
        .then((r) => {
          const scan = r.rows[0];
          if (!scan) return null;
          const current: ScanEvent = {
            scanId,
            seq: scan.last_seq,
            status: scan.status,
            progress: scan.progress,
            step: scan.current_step,
            message: 'current state',
            at: new Date(),
            scan,
          };
          return { scan, current };
        })
        .finally(() => this.snapshots.delete(scanId));
      this.snapshots.set(scanId, read);
    }
    return read;
  }

  /**
   * Hands `event` to `sub` if it is the next one the subscriber is owed
   * (seq = cursor + 1: seqs of a scan go up by one). False when the
   * subscriber is behind the event: it needs a read from its own cursor.
   * `readFrom` is where the read that brought the event started: a
   * subscriber at or past it was covered by that read, so a missing seq is
   * missing from the log, not from the read, and is skipped over rather than
   * read again. A terminal event at or before the cursor (a client that
   * asked for events after the end) completes the stream.
   */
  private deliver(sub: Follower, event: ScanEvent, readFrom?: number): boolean {
    if (!sub.ready || sub.queue.closed) return true;
    if (event.seq <= sub.cursor) {
      if (isTerminal(event.status)) sub.queue.end();
      return true;
    }
    const covered = readFrom !== undefined && sub.cursor >= readFrom;
    if (event.seq !== sub.cursor + 1 && !covered) return false;
    sub.cursor = event.seq;
    if (event.seq > sub.silentThrough) sub.queue.push(event);
    if (isTerminal(event.status)) sub.queue.end();
    return true;
  }
}
