import { Migration } from '@mikro-orm/migrations';

/**
 * Schedules: `schedules` holds each schedule and its next due time (null
 * while disabled); `schedule_runs` one row per due time that started its
 * scans. Its primary key (schedule_id, due_at) makes a due time start once
 * however many processes run the scheduler: the row is inserted with `on
 * conflict do nothing` in the transaction that inserts the scans.
 */
export class Migration20261202100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "schedules" ("id" uuid not null, "name" text not null,
      "targets" jsonb not null, "type" text not null, "cron" text not null, "timezone" text not null,
      "enabled" boolean not null default true, "created_by" text not null,
      "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "last_run_at" timestamptz null, "next_run_at" timestamptz null,
      constraint "schedules_pkey" primary key ("id"),
      constraint "schedules_type_check" check ("type" in ('QUICK','FULL','PATCHES')));`);
    this.addSql(`alter table "schedules" add constraint "schedules_name_unique" unique ("name");`);
    this.addSql(`create index "schedules_due_idx" on "schedules" ("next_run_at") where "enabled";`);
    this.addSql(`create table "schedule_runs" ("schedule_id" uuid not null,
      "due_at" timestamptz not null, "started_at" timestamptz not null default now(),
      "scan_ids" text[] not null default '{}', "skipped" jsonb not null default '[]',
      constraint "schedule_runs_pkey" primary key ("schedule_id", "due_at"));`);
    this.addSql(`alter table "schedule_runs" add constraint "schedule_runs_schedule_id_foreign"
      foreign key ("schedule_id") references "schedules" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "schedule_runs" cascade;`);
    this.addSql(`drop table if exists "schedules" cascade;`);
  }
}
