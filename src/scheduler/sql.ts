/** The statements of schedules and their runs. */

export const SCHEDULE_COLUMNS = `id, name, targets, type, cron, timezone, enabled, created_by,
  created_at, updated_at, last_run_at, next_run_at`;

/** Due schedules, oldest due first. $1 how many. */
export const DUE_SCHEDULES = `select id from schedules
  where enabled and next_run_at <= now() order by next_run_at limit $1`;

/**
 * Locks a schedule that is still due, or returns nothing when another
 * process holds it or already advanced it. Also the database's clock, which
 * every process reads due times against. $1 id.
 */
export const LOCK_DUE_SCHEDULE = `select ${SCHEDULE_COLUMNS}, now() as db_now from schedules
  where id = $1 and enabled and next_run_at <= now() for update skip locked`;

/** Claims a due time: a row back means this transaction starts its scans. $1 id, $2 due_at. */
export const INSERT_RUN = `insert into schedule_runs (schedule_id, due_at) values ($1, $2)
  on conflict do nothing returning started_at`;

/** $1 id, $2 due_at, $3 scan ids (text[]), $4 skipped (jsonb). */
export const FINISH_RUN = `update schedule_runs set scan_ids = $3, skipped = $4
  where schedule_id = $1 and due_at = $2`;

/** $1 id, $2 last_run_at (null: unchanged), $3 next_run_at. */
export const ADVANCE_SCHEDULE = `update schedules
  set last_run_at = coalesce($2, last_run_at), next_run_at = $3 where id = $1`;

/** Keeps a schedule's newest $2 runs. $1 id. */
export const PRUNE_RUNS = `delete from schedule_runs where schedule_id = $1 and due_at <
  (select due_at from schedule_runs where schedule_id = $1 order by due_at desc offset $2 - 1 limit 1)`;

export const LIST_SCHEDULES = `select ${SCHEDULE_COLUMNS} from schedules order by name`;

export const SCHEDULE_BY_ID = `select ${SCHEDULE_COLUMNS} from schedules where id = $1`;

/** $1 id, $2 name, $3 targets, $4 type, $5 cron, $6 timezone, $7 enabled, $8 created_by, $9 next_run_at. */
export const INSERT_SCHEDULE = `insert into schedules (id, name, targets, type, cron, timezone, enabled,
    created_by, next_run_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${SCHEDULE_COLUMNS}`;

/** $1 id, then as INSERT_SCHEDULE without created_by: $2 name ... $7 enabled, $8 next_run_at. */
export const UPDATE_SCHEDULE = `update schedules set name = $2, targets = $3, type = $4, cron = $5,
    timezone = $6, enabled = $7, next_run_at = $8, updated_at = now()
  where id = $1 returning ${SCHEDULE_COLUMNS}`;

export const LOCK_SCHEDULE = `select ${SCHEDULE_COLUMNS} from schedules where id = $1 for update`;

export const DELETE_SCHEDULE = `delete from schedules where id = $1 returning ${SCHEDULE_COLUMNS}`;

/** The newest runs of schedules. $1 ids (uuid[]), $2 how many per schedule. */
export const RECENT_RUNS = `select r.schedule_id, r.due_at, r.started_at, r.scan_ids, r.skipped
  from unnest($1::uuid[]) as s(id)
  cross join lateral (select * from schedule_runs x where x.schedule_id = s.id
                      order by x.due_at desc limit $2) r`;
