/**
 * Every statement that moves a scan through its life, in one place (pg-boss
 * keeps its `plans.ts`, graphile-worker its `sql/`). Each state change is one
 * statement that updates the scan row and appends its scan_events row, so the
 * change, its log entry and the trigger's NOTIFY commit together.
 *
 * Worker writes are fenced by (id, attempt, worker_id, status = RUNNING): a
 * write that matches no row means the lease was lost.
 */

/** Columns the worker and event hub read back from scans (a ScanRow). */
export const SCAN_COLUMNS = `id, host_id, type, status, transport, username, credential_id, priority,
  timeout_seconds, attempt, max_attempts, worker_id, lease_expires_at, progress, current_step,
  last_seq, error_code, error_message, cancel_requested_at, created_at, started_at, completed_at,
  requested_by, pool, refresh_metadata, change_count`;

/**
 * Appends the event for the scan row(s) in CTE `s` and returns those rows.
 * With `skipSteps`, a row the update ended (cancelled, failed) has its
 * unfinished steps marked SKIPPED in the same statement, so no finished scan
 * shows a step still PENDING or RUNNING.
 */
function withEvent(
  update: string,
  messageParam: string,
  skipSteps = false,
  select = 'select * from s',
): string {
  const steps = skipSteps
    ? `,
    st as (update scan_steps set status = 'SKIPPED', completed_at = now()
           where scan_id in (select id from s where status in ('CANCELLED','FAILED'))
             and status in ('PENDING','RUNNING'))`
    : '';
  return `with s as (${update} returning ${SCAN_COLUMNS}),
    e as (insert into scan_events (scan_id, seq, status, step, progress, message)
          select id, last_seq, status, current_step, progress, ${messageParam} from s)${steps}
    ${select}`;
}

/**
 * Creates the PENDING scan with its first event (seq 1). $1 id, $2 host_id,
 * $3 type, $4 transport, $5 username, $6 credential_id, $7 priority,
 * $8 timeout_seconds, $9 idempotency_key, $10 requested_by, $11 max_attempts,
 * $12 pool, $13 refresh_metadata.
 */
export const INSERT_SCAN = `with s as (
    insert into scans (id, host_id, type, status, transport, username, credential_id, priority,
      timeout_seconds, idempotency_key, requested_by, max_attempts, last_seq, pool, refresh_metadata)
    values ($1, $2, $3, 'PENDING', $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13)
    returning ${SCAN_COLUMNS}),
  e as (insert into scan_events (scan_id, seq, status, step, progress, message)
        select id, 1, status, null, 0, 'queued' from s)
  select * from s`;

/** Finds or creates the host row. $1 hostname, $2 port. */
export const UPSERT_HOST = `insert into hosts (id, hostname, port) values (gen_random_uuid(), $1, $2)
  on conflict (hostname, port) do update set hostname = excluded.hostname
  returning id, hostname, port, host_key_fingerprint`;

export const FIND_ACTIVE_SCAN = `select id from scans
  where host_id = $1 and type = $2 and status in ('PENDING','RUNNING') limit 1`;

export const FIND_BY_IDEMPOTENCY_KEY = `select ${SCAN_COLUMNS} from scans
  where requested_by = $1 and idempotency_key = $2`;

/** FIND_BY_IDEMPOTENCY_KEY with the host's name and port. Same $1, $2. */
export const FIND_BY_IDEMPOTENCY_KEY_WITH_HOST = `select s.*, h.hostname, h.port
  from (${FIND_BY_IDEMPOTENCY_KEY}) s join hosts h on h.id = s.host_id`;

/**
 * Claims up to $5 of the best runnable scans of the worker's pools in one
 * statement: highest priority, then oldest. LOCAL scans go only to a worker
 * on the target machine. $1 worker_id, $2 lease ms, $3 worker hostname,
 * $4 the worker's pools (text[]), $5 how many at most. Taking a batch per
 * round trip is what lets a burst of scans start together: one claim at a
 * time made the 50th scan of a burst wait for 49 round trips. Each row is a
 * ScanRow plus its host's `host_hostname`, `host_port` and
 * `host_key_fingerprint` (ClaimedRow).
 */
export const CLAIM_SCANS = withEvent(
  `update scans set status = 'RUNNING', attempt = attempt + 1, worker_id = $1,
     lease_expires_at = now() + $2 * interval '1 millisecond',
     started_at = now(), completed_at = null, progress = 0, current_step = null,
     error_code = null, error_message = null, change_count = null, last_seq = last_seq + 1
   where id in (
     select c.id from scans c join hosts h on h.id = c.host_id
     where c.status = 'PENDING' and c.run_after <= now()
       and c.pool = any($4::text[])
       and (c.transport = 'SSH' or h.hostname = $3)
     order by c.priority desc, c.created_at
     limit $5
     for update of c skip locked)`,
  `'claimed by ' || worker_id || ' (attempt ' || attempt || ')'`,
  false,
  // The host comes back with the claim: the worker connects without reading it.
  `select s.*, h.hostname as host_hostname, h.port as host_port,
       h.host_key_fingerprint as host_key_fingerprint
     from s join hosts h on h.id = s.host_id`,
);

/** Renews the lease; returns cancel_requested_at. $1 id, $2 attempt, $3 worker_id, $4 lease ms. */
export const HEARTBEAT = `update scans set lease_expires_at = now() + $4 * interval '1 millisecond'
  where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'
  returning cancel_requested_at`;

/**
 * Gives the fenced attempt a fresh step list and no result, in one
 * statement. Rows are upserted by position (a CTE's delete is invisible to an
 * insert of the same statement, so delete-then-insert would collide), and
 * positions past the new list are deleted. Every part is gated on the fence
 * `f`: after a lost lease it changes nothing and returns no row. $1 id,
 * $2 attempt, $3 worker_id, $4 names (text[]).
 */
export const RESET_STEPS = `with f as (select id from scans
      where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING' for update),
    ins as (insert into scan_steps (scan_id, position, name, status)
      select f.id, n.ordinality - 1, n.name, 'PENDING'
        from f, unnest($4::text[]) with ordinality as n(name, ordinality)
      on conflict (scan_id, position) do update set name = excluded.name, status = 'PENDING',
        started_at = null, completed_at = null, error_code = null, error_message = null),
    extra as (delete from scan_steps where scan_id in (select id from f)
      and position >= cardinality($4::text[])),
    res as (delete from scan_results where scan_id in (select id from f))
  select id from f`;

/**
 * Moves the fenced scan to a step and/or percent. $1 id, $2 attempt,
 * $3 worker_id, $4 current_step, $5 progress, $6 message.
 */
export const UPDATE_PROGRESS = withEvent(
  `update scans set current_step = $4, progress = $5, last_seq = last_seq + 1
   where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'`,
  '$6::text',
);

/**
 * The step rows a fenced step write changes, gated on its fenced update
 * `s`: step `position` (a parameter) RUNNING, its timing and error reset.
 */
const STEP_STARTED = (position: string) =>
  `update scan_steps set status = 'RUNNING', started_at = now(), completed_at = null,
      error_code = null, error_message = null
      where scan_id in (select id from s) and position = ${position}`;

/** Step $7 ended with status $8 and error $9, $10, gated on `s`. */
const STEP_ENDED = `update scan_steps set status = $8, completed_at = now(), error_code = $9, error_message = $10
      where scan_id in (select id from s) and position = $7`;

/** The step's result part $11 (jsonb, or null: nothing) merged into the scan's result, gated on `s`. */
const RESULT_PART_MERGED = `insert into scan_results (scan_id, data, updated_at)
      select id, $11::jsonb, now() from s where $11::jsonb is not null
      on conflict (scan_id) do update set data = scan_results.data || excluded.data, updated_at = now()`;

/**
 * Starts step $7 (RUNNING) and moves the fenced scan to it, with its event,
 * in one statement: the step changes only if the fenced update matched.
 * $1 id, $2 attempt, $3 worker_id, $4 current_step, $5 progress, $6 message,
 * $7 position.
 */
export const START_STEP = `with s as (update scans set current_step = $4, progress = $5, last_seq = last_seq + 1
      where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'
      returning id, last_seq, status, current_step, progress),
    e as (insert into scan_events (scan_id, seq, status, step, progress, message)
      select id, last_seq, status, current_step, progress, $6::text from s),
    st as (${STEP_STARTED('$7')})
  select id from s`;

/**
 * Ends step $7 with status $8 (and error $9, $10), merges its part $11
 * (jsonb, or null) into the result, and moves the fenced scan's progress,
 * with its event, in one statement gated on the fence. $1 id, $2 attempt,
 * $3 worker_id, $4 current_step, $5 progress, $6 message.
 */
export const FINISH_STEP = `with s as (update scans set current_step = $4, progress = $5, last_seq = last_seq + 1
      where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'
      returning id, last_seq, status, current_step, progress),
    e as (insert into scan_events (scan_id, seq, status, step, progress, message)
      select id, last_seq, status, current_step, progress, $6::text from s),
    st as (${STEP_ENDED}),
    r as (${RESULT_PART_MERGED})
  select id from s`;

/**
 * FINISH_STEP of step $7 and START_STEP of step $14 in one statement, when
 * the next step's start is already known: the same rows and the same two
 * events (seq n+1: step $4 at $5 with message $6; seq n+2: step $12 at $5
 * with message $13) as the two statements one after the other, in one
 * commit. $1-$11 as FINISH_STEP; $12 the next step's name, $13 its
 * message, $14 its position.
 */
export const FINISH_AND_START_STEP = `with s as (update scans set current_step = $12, progress = $5,
        last_seq = last_seq + 2
      where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'
      returning id, last_seq, status, progress),
    e as (insert into scan_events (scan_id, seq, status, step, progress, message)
      select id, last_seq - 1, status, $4::text, progress, $6::text from s
      union all
      select id, last_seq, status, $12::text, progress, $13::text from s),
    fin as (${STEP_ENDED}),
    st as (${STEP_STARTED('$14')}),
    r as (${RESULT_PART_MERGED})
  select id from s`;

/**
 * What a finishing scan is compared with: its own result, and the previous
 * finished (COMPLETED or PARTIAL) scan of the same host and type with that
 * scan's result. Newest by created_at: one scan per host and type is active
 * at a time, so creation order is finishing order, and scans_host_idx
 * serves it. $1 scan id.
 */
export const RESULTS_TO_COMPARE = `select cur.data as current, p.id as previous_id, prev.data as previous
  from scans s
  left join scan_results cur on cur.scan_id = s.id
  left join lateral (select o.id from scans o
      where o.host_id = s.host_id and o.type = s.type and o.id <> s.id
        and o.status in ('COMPLETED','PARTIAL')
      order by o.created_at desc, o.id desc limit 1) p on true
  left join scan_results prev on prev.scan_id = p.id
  where s.id = $1`;

/**
 * Ends the fenced attempt, in one statement: the scan row and its event,
 * every unfinished step SKIPPED, and the changes document stored with the
 * result. $1 id, $2 attempt, $3 worker_id, $4 status, $5 error_code,
 * $6 error_message, $7 progress, $8 message, $9 change_count, $10 the
 * ScanChanges document (jsonb; null stores none).
 */
export const FINISH_SCAN = `with s as (update scans set status = $4, error_code = $5, error_message = $6,
      progress = $7, current_step = null, completed_at = now(), lease_expires_at = null,
      change_count = $9, last_seq = last_seq + 1
      where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'
      returning ${SCAN_COLUMNS}),
    e as (insert into scan_events (scan_id, seq, status, step, progress, message)
      select id, last_seq, status, current_step, progress, $8::text from s),
    st as (update scan_steps set status = 'SKIPPED', completed_at = now()
      where scan_id in (select id from s) and status in ('PENDING','RUNNING')),
    ch as (update scan_results set changes = $10::jsonb
      where scan_id in (select id from s) and $10::jsonb is not null)
  select * from s`;

/**
 * Puts the fenced attempt back in the queue (transient failure, or shutdown),
 * runnable after $4 ms; a scan whose cancellation was requested meanwhile
 * ends CANCELLED instead, as the reaper does, so no attempt runs after an
 * acknowledged cancel. $1 id, $2 attempt, $3 worker_id, $5 error_code,
 * $6 error_message, $7 message, $8 whether the attempt counts against
 * max_attempts (a shutdown release does not).
 */
export const REQUEUE_SCAN = withEvent(
  `update scans set
     status = case when cancel_requested_at is not null then 'CANCELLED' else 'PENDING' end,
     error_code = case when cancel_requested_at is not null then 'CANCELLED' else $5 end,
     error_message = case when cancel_requested_at is not null then 'cancelled' else $6 end,
     completed_at = case when cancel_requested_at is not null then now() end,
     progress = case when cancel_requested_at is not null then progress else 0 end,
     worker_id = null, lease_expires_at = null,
     run_after = now() + $4 * interval '1 millisecond',
     current_step = null, last_seq = last_seq + 1,
     max_attempts = case when $8::boolean or cancel_requested_at is not null then max_attempts
                         else max_attempts + 1 end
   where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'`,
  `case when status = 'CANCELLED' then 'cancelled' else $7::text end`,
  true,
);

/**
 * Reaps expired leases: re-queued while attempts remain, else FAILED
 * WORKER_LOST; a scan whose cancellation was pending ends CANCELLED. Safe to
 * run from many processes: SKIP LOCKED hands each row to one reaper.
 */
export const REAP_EXPIRED = withEvent(
  `update scans set
     status = case when cancel_requested_at is not null then 'CANCELLED'
                   when attempt >= max_attempts then 'FAILED' else 'PENDING' end,
     error_code = case when cancel_requested_at is not null then 'CANCELLED'
                       when attempt >= max_attempts then 'WORKER_LOST' else null end,
     error_message = case when cancel_requested_at is not null then 'cancelled'
                          when attempt >= max_attempts then 'worker ' || worker_id || ' lost its lease on the last attempt'
                          else null end,
     completed_at = case when cancel_requested_at is not null or attempt >= max_attempts then now() end,
     worker_id = null, lease_expires_at = null, current_step = null,
     progress = case when cancel_requested_at is not null or attempt >= max_attempts then progress else 0 end,
     last_seq = last_seq + 1
   where id in (select id from scans where status = 'RUNNING' and lease_expires_at < now()
                for update skip locked)`,
  `case when status = 'PENDING' then 'lease expired; re-queued' else 'lease expired' end`,
  true,
);

/** Cancels a scan that no worker holds yet. $1 id. */
export const CANCEL_PENDING = withEvent(
  `update scans set status = 'CANCELLED', error_code = 'CANCELLED', error_message = 'cancelled before it started',
     completed_at = now(), cancel_requested_at = now(), last_seq = last_seq + 1
   where id = $1 and status = 'PENDING'`,
  `'cancelled'`,
);

/** Asks the worker holding a RUNNING scan to stop. $1 id. */
export const REQUEST_CANCEL = `update scans set cancel_requested_at = coalesce(cancel_requested_at, now())
  where id = $1 and status = 'RUNNING' returning id`;

export const SCAN_BY_ID = `select ${SCAN_COLUMNS} from scans where id = $1`;

/** Pins a host key on first contact only. $1 host id, $2 fingerprint. */
export const PIN_HOST_KEY = `update hosts set host_key_fingerprint = $2, host_key_pinned_at = now()
  where id = $1 and host_key_fingerprint is null`;

export const HOST_BY_ID = `select id, hostname, port, host_key_fingerprint from hosts where id = $1`;

/**
 * Creates many PENDING scans with their first events in one statement: the
 * host rows (found or created, in (hostname, port) order so concurrent
 * batches lock them alike), then every scan whose host and type has no
 * active scan and whose idempotency key is new, in the same order (two
 * batches naming the same hosts wait for each other instead of
 * deadlocking); a target that conflicts is left out (`on conflict do
 * nothing`), not an error. Returns the new rows.
 * Per target, in one order: $1 id (uuid[]), $2 hostname (text[]), $3 port
 * (int[]), $4 transport, $5 username, $6 credential_id (uuid[]),
 * $7 idempotency_key (text[]). For all: $8 type, $9 priority,
 * $10 timeout_seconds, $11 requested_by, $12 max_attempts, $13 pool,
 * $14 refresh_metadata.
 */
export const INSERT_SCANS = `with t as (
    select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::uuid[],
      $7::text[]) with ordinality
      as t(id, hostname, port, transport, username, credential_id, idempotency_key, ord)),
  h as (
    insert into hosts (id, hostname, port)
    select gen_random_uuid(), hostname, port from t group by hostname, port order by hostname, port
    on conflict (hostname, port) do update set hostname = excluded.hostname
    returning id, hostname, port),
  s as (
    insert into scans (id, host_id, type, status, transport, username, credential_id, priority,
      timeout_seconds, idempotency_key, requested_by, max_attempts, last_seq, pool, refresh_metadata)
    select t.id, h.id, $8, 'PENDING', t.transport, t.username, t.credential_id, $9, $10,
      t.idempotency_key, $11, $12, 1, $13, $14
    from t join h on h.hostname = t.hostname and h.port = t.port
    order by t.hostname, t.port
    on conflict do nothing
    returning ${SCAN_COLUMNS}),
  e as (insert into scan_events (scan_id, seq, status, step, progress, message)
        select id, 1, status, null, 0, 'queued' from s)
  select * from s`;

/**
 * The active (PENDING or RUNNING) scans of a type on the given hosts, with
 * the host's name and port. $1 hostnames (text[]), $2 ports (int[]), $3 type.
 */
export const FIND_ACTIVE_SCANS = `select s.id, h.hostname, h.port
  from unnest($1::text[], $2::int[]) as u(hostname, port)
  join hosts h on h.hostname = u.hostname and h.port = u.port
  join scans s on s.host_id = h.id
  where s.type = $3 and s.status in ('PENDING','RUNNING')`;

/** FIND_BY_IDEMPOTENCY_KEY_WITH_HOST for many keys. $1 requested_by, $2 keys (text[]). */
export const FIND_BY_IDEMPOTENCY_KEYS_WITH_HOST = `select s.*, h.hostname, h.port
  from (select ${SCAN_COLUMNS}, idempotency_key from scans
        where requested_by = $1 and idempotency_key = any($2::text[])) s
  join hosts h on h.id = s.host_id`;

/**
 * The statements a worker runs for every scan, sent as named prepared
 * statements (db/prepared.ts) outside poll mode.
 */
export const PREPARED = {
  CLAIM_SCANS,
  HEARTBEAT,
  RESET_STEPS,
  UPDATE_PROGRESS,
  START_STEP,
  FINISH_STEP,
  FINISH_AND_START_STEP,
  RESULTS_TO_COMPARE,
  FINISH_SCAN,
  SCAN_BY_ID,
  HOST_BY_ID,
  PIN_HOST_KEY,
} as const;
