/**
 * What the event hub reads: the event log (scan_events), the scan rows that
 * go with it, and revoked keys. Writes to the log are the queue's
 * (queue/sql.ts), each in the statement that changes the scan.
 */
import { SCAN_COLUMNS } from '../queue/sql';

/**
 * Columns of a LoggedEventRow: a ScanEventRow plus where it sits in the log
 * (`id`) and the transaction that wrote it (`xmin`), which say whether it
 * committed after a dashboard subscribed (log-cursor.ts).
 */
const EVENT_COLUMNS = `id::text, xmin::text as xid, scan_id, seq, status, step, progress, message, at`;

/**
 * Several scans' log rows, each after its own seq, in (scan, seq) order.
 * $1 scan ids (uuid[]), $2 the after-seq of each (int[], same order).
 */
export const EVENTS_AFTER_MANY = `select e.id::text, e.xmin::text as xid, e.scan_id, e.seq, e.status,
    e.step, e.progress, e.message, e.at
  from unnest($1::uuid[], $2::int[]) as c(scan_id, after_seq)
  join scan_events e on e.scan_id = c.scan_id and e.seq > c.after_seq
  order by e.scan_id, e.seq`;

/**
 * Where the log ends for a dashboard subscribing now: the highest committed
 * id and the statement's snapshot, whose in-progress transactions may still
 * commit rows with lower ids.
 */
export const LOG_HEAD = `select coalesce(max(id), 0)::text as id, pg_current_snapshot()::text as snapshot
  from scan_events`;

/** Scans a dashboard may have missed events of while LISTEN was down. */
export const RECENTLY_ACTIVE_SCANS = `select id from scans
  where status in ('PENDING','RUNNING') or completed_at > now() - interval '5 minutes'`;

/** Poll mode: where the log ends, and the database clock, when polling starts. */
export const LOG_END = `select coalesce(max(id), 0)::text as id, now() as now from scan_events`;

/**
 * Poll mode: log rows of every scan after the highest id read ($1) and the
 * skipped ids ($2, bigint[]), in id order, at most $3.
 */
export const EVENTS_SINCE_ID = `select ${EVENT_COLUMNS}
  from scan_events where id > $1 or id = any($2::bigint[]) order by id limit $3`;

/** Poll mode: the rows SCAN_BY_ID reads, for several scans at once. $1 ids (uuid[]). */
export const SCANS_BY_IDS = `select ${SCAN_COLUMNS} from scans where id = any($1::uuid[])`;

/** Poll mode: how far back revocations are read again, for a revoke that commits late. */
const REVOKE_OVERLAP = `interval '60 seconds'`;

/** Poll mode: keys revoked since the last check ($1, database clock), and the clock for the next one. */
export const REVOKED_SINCE = `select now() as now, array(select id::text from api_keys
  where revoked_at > $1::timestamptz - ${REVOKE_OVERLAP}) as ids`;

/** The reads the hub makes per event, sent as named prepared statements outside poll mode. */
export const PREPARED = { EVENTS_AFTER_MANY, SCANS_BY_IDS } as const;
