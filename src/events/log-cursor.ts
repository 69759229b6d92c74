import type { ScanEventRow } from '../queue/rows';

/** A ScanEventRow with where it sits in the log, as the hub's reads select it (sql.ts). */
export interface LoggedEventRow extends ScanEventRow {
  /** scan_events.id (bigserial), as text. */
  id: string;
  /** The 32-bit id of the transaction that wrote the row (its `xmin`), as text. */
  xid: string;
}

/**
 * A dashboard's place in the log: the moment it subscribed, as one
 * PostgreSQL statement snapshot saw the log. A row committed after that
 * moment either has a higher id than any the snapshot saw (ids are taken
 * in order, and a transaction that started later took a later one), or was
 * written by a transaction the snapshot saw in progress.
 */
export interface LogCursor {
  /** The highest scan_events.id the snapshot saw. */
  readonly id: number;
  /** Low 32 bits of the snapshot's in-progress transaction ids (`xmin` is 32-bit). */
  readonly inProgress: ReadonlySet<number>;
}

/** The row's log position, parsed once per row and shared by every dashboard. */
export interface LogPosition {
  readonly id: number;
  readonly xid: number;
}

export function positionOf(row: LoggedEventRow): LogPosition {
  return { id: Number(row.id), xid: Number(row.xid) };
}

/**
 * A cursor from LOG_HEAD's columns. `snapshot` is pg_current_snapshot()'s
 * text form (PostgreSQL 13+): `xmin:xmax:xip,xip,...` of 64-bit ids.
 */
export function cursorFrom(id: string, snapshot: string): LogCursor {
  const xip = snapshot.split(':')[2] ?? '';
  const inProgress = new Set<number>();
  for (const x of xip.split(',')) {
    if (x) inProgress.add(Number(BigInt(x) & 0xffffffffn));
  }
  return { id: Number(id), inProgress };
}

/** Whether a row at `at` committed after the cursor's moment. */
export function committedAfter(cursor: LogCursor, at: LogPosition): boolean {
  return at.id > cursor.id || cursor.inProgress.has(at.xid);
}
