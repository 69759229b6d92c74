import { Migration } from '@mikro-orm/migrations';

/**
 * Attempt history. A trigger on `scans` opens a row when a claim raises
 * `attempt` and closes it when the scan leaves RUNNING, whoever made the
 * change (worker, reaper, shutdown release), in the same transaction.
 */
export class Migration20261122110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "scan_attempts" (
      "scan_id" uuid not null, "attempt" int not null, "worker_id" text null,
      "started_at" timestamptz not null, "ended_at" timestamptz null, "outcome" text not null,
      "error_code" text null, "error_message" text null,
      constraint "scan_attempts_pkey" primary key ("scan_id", "attempt"));`);
    this.addSql(`alter table "scan_attempts" add constraint "scan_attempts_scan_id_foreign"
      foreign key ("scan_id") references "scans" ("id") on update cascade on delete cascade;`);
    this.addSql(`create function "hostscan_track_attempts"() returns trigger language plpgsql as $$
      begin
        if old.status = 'RUNNING' and new.status <> 'RUNNING' then
          update scan_attempts set
            ended_at = now(),
            outcome = case when new.status = 'PENDING' then 'REQUEUED' else new.status end,
            error_code = coalesce(new.error_code,
              -- Re-queued with no error: a shutdown release bumps max_attempts,
              -- anything else is the reaper taking back an expired lease.
              case when new.status = 'PENDING' and new.max_attempts = old.max_attempts then 'WORKER_LOST' end),
            error_message = coalesce(new.error_message,
              case when new.status = 'PENDING' and new.max_attempts = old.max_attempts then 'lease expired'
                   when new.status = 'PENDING' then 'released by a worker shutting down' end)
          where scan_id = new.id and attempt = old.attempt;
        end if;
        if new.attempt > old.attempt then
          insert into scan_attempts (scan_id, attempt, worker_id, started_at, outcome)
          values (new.id, new.attempt, new.worker_id, now(), 'RUNNING')
          on conflict (scan_id, attempt) do nothing;
        end if;
        return null;
      end $$;`);
    this
      .addSql(`create trigger "scans_track_attempts" after update of "status", "attempt" on "scans"
      for each row execute function "hostscan_track_attempts"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "scans_track_attempts" on "scans";`);
    this.addSql(`drop function if exists "hostscan_track_attempts"();`);
    this.addSql(`drop table if exists "scan_attempts" cascade;`);
  }
}
