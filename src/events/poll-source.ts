import type pg from 'pg';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import type { ScanRow } from '../queue/rows';
import type { EventSink, EventSource } from './event-source';
import type { LoggedEventRow } from './log-cursor';
import * as sql from './sql';

/** Log rows read per statement (a pass reads again while a batch is full). */
const POLL_BATCH = 500;
/**
 * How long an id skipped by the log (an insert whose transaction had not
 * committed when a higher id was read) is looked for again. Past this, it is
 * taken for a rolled-back insert.
 */
const GAP_TTL_MS = 60_000;
/** A larger jump of the id sequence is a reset (setval), not uncommitted inserts. */
const MAX_GAP = 1_000;

export interface PollSourceOptions {
  readonly pgPool: pg.Pool;
  readonly log: Logger;
  readonly sink: EventSink;
  /**
   * Pause between the end of one pass and the start of the next.
   * @default 500 (ms)
   */
  readonly intervalMs?: number;
}

/**
 * Poll mode, for poolers that cannot hold a LISTEN (PgBouncer in transaction
 * mode): each pass reads the log rows of all scans after the highest
 * `scan_events.id` seen, then the scan rows of the followed ones, in one
 * statement each whatever the number of subscribers, and checks for revoked
 * keys. A failed pass is logged; the next one retries.
 */
export class PollSource implements EventSource {
  private readonly pgPool: pg.Pool;
  private readonly log: Logger;
  private readonly sink: EventSink;
  private readonly intervalMs: number;
  /** The highest log id read. */
  private lastId = 0;
  /** Ids below lastId not read yet, with when they were first missed. */
  private readonly gaps = new Map<number, number>();
  /** The database clock at the last revocation check. */
  private revokedCheckedAt: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: PollSourceOptions) {
    this.pgPool = options.pgPool;
    this.log = options.log;
    this.sink = options.sink;
    this.intervalMs = options.intervalMs ?? 500;
  }

  /** Starts at the end of the log and at the database's clock. */
  async start(): Promise<void> {
    const { rows } = await this.pgPool.query<{ id: string; now: Date }>(sql.LOG_END);
    this.lastId = Number(rows[0]!.id);
    this.revokedCheckedAt = rows[0]!.now;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

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
   * Reads the log rows after the highest id seen and hands each followed
   * scan's rows to the sink. Ids are taken at insert but become visible at
   * commit, so a lower id can appear after a higher one: ids skipped are
   * read again until they appear (or for GAP_TTL_MS, past which the insert
   * was rolled back). Returns the number of rows read.
   */
  private async pollEvents(): Promise<number> {
    const now = Date.now();
    for (const [id, since] of this.gaps) if (now - since > GAP_TTL_MS) this.gaps.delete(id);
    const { rows } = await this.pgPool.query<LoggedEventRow>(sql.EVENTS_SINCE_ID, [
      this.lastId,
      [...this.gaps.keys()],
      POLL_BATCH,
    ]);
    // Where the log was read to, applied only once the rows are handed
    // over: a failed scan read below leaves them to be read again.
    let lastId = this.lastId;
    const newGaps: number[] = [];
    const filled: number[] = [];
    const byScan = new Map<string, LoggedEventRow[]>();
    for (const row of rows) {
      const id = Number(row.id);
      if (id > lastId) {
        if (id - lastId <= MAX_GAP)
          for (let skipped = lastId + 1; skipped < id; skipped++) newGaps.push(skipped);
        lastId = id;
      } else filled.push(id);
      if (!this.sink.follows(row.scan_id)) continue;
      let list = byScan.get(row.scan_id);
      if (!list) byScan.set(row.scan_id, (list = []));
      list.push(row);
    }
    const advance = () => {
      for (const id of newGaps) this.gaps.set(id, now);
      for (const id of filled) this.gaps.delete(id);
      this.lastId = lastId;
    };
    if (byScan.size === 0) {
      advance();
      return rows.length;
    }
    const scans = await this.pgPool.query<ScanRow>(sql.SCANS_BY_IDS, [[...byScan.keys()]]);
    advance();
    for (const scan of scans.rows) {
      this.sink.scanEvents(
        scan,
        byScan.get(scan.id)!.sort((a, b) => a.seq - b.seq),
      );
    }
    return rows.length;
  }

  private async pollRevoked(): Promise<void> {
    const { rows } = await this.pgPool.query<{ now: Date; ids: string[] }>(sql.REVOKED_SINCE, [
      this.revokedCheckedAt,
    ]);
    this.revokedCheckedAt = rows[0]!.now;
    for (const id of rows[0]!.ids) this.sink.keyRevoked(id);
  }
}
