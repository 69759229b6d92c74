import { Migration } from '@mikro-orm/migrations';

export class Migration20261122093941 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_keys" ("id" uuid not null, "name" text not null, "role" text not null, "token_hash" text not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "hosts" ("id" uuid not null, "hostname" text not null, "port" int not null, "host_key_fingerprint" text null, "host_key_pinned_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "hosts_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "hosts" add constraint "hosts_hostname_port_unique" unique ("hostname", "port");`,
    );

    this.addSql(
      `create table "scans" ("id" uuid not null, "host_id" uuid not null, "type" text not null, "status" text not null, "transport" text not null, "username" text null, "credential_id" uuid null, "priority" int not null default 0, "timeout_seconds" int not null, "idempotency_key" text null, "requested_by" text not null, "attempt" int not null default 0, "max_attempts" int not null default 3, "worker_id" text null, "lease_expires_at" timestamptz null, "run_after" timestamptz not null default now(), "progress" smallint not null default 0, "current_step" text null, "last_seq" int not null default 0, "error_code" text null, "error_message" text null, "cancel_requested_at" timestamptz null, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "completed_at" timestamptz null, constraint "scans_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "scans_created_idx" on "scans" ("created_at", "id");`);

    this.addSql(
      `create table "scan_events" ("id" bigserial primary key, "scan_id" uuid not null, "seq" int not null, "status" text not null, "step" text null, "progress" smallint not null, "message" text null, "at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "scan_events" add constraint "scan_events_scan_id_seq_unique" unique ("scan_id", "seq");`,
    );

    this.addSql(
      `create table "scan_results" ("scan_id" uuid not null, "data" jsonb not null, "updated_at" timestamptz not null default now(), constraint "scan_results_pkey" primary key ("scan_id"));`,
    );

    this.addSql(
      `create table "scan_steps" ("scan_id" uuid not null, "position" smallint not null, "name" text not null, "status" text not null, "started_at" timestamptz null, "completed_at" timestamptz null, "error_code" text null, "error_message" text null, constraint "scan_steps_pkey" primary key ("scan_id", "position"));`,
    );

    this.addSql(
      `alter table "scans" add constraint "scans_host_id_foreign" foreign key ("host_id") references "hosts" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "scan_events" add constraint "scan_events_scan_id_foreign" foreign key ("scan_id") references "scans" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "scan_results" add constraint "scan_results_scan_id_foreign" foreign key ("scan_id") references "scans" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "scan_steps" add constraint "scan_steps_scan_id_foreign" foreign key ("scan_id") references "scans" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "scans" drop constraint "scans_host_id_foreign";`);

    this.addSql(`alter table "scan_events" drop constraint "scan_events_scan_id_foreign";`);

    this.addSql(`alter table "scan_results" drop constraint "scan_results_scan_id_foreign";`);

    this.addSql(`alter table "scan_steps" drop constraint "scan_steps_scan_id_foreign";`);

    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "hosts" cascade;`);

    this.addSql(`drop table if exists "scans" cascade;`);

    this.addSql(`drop table if exists "scan_events" cascade;`);

    this.addSql(`drop table if exists "scan_results" cascade;`);

    this.addSql(`drop table if exists "scan_steps" cascade;`);
  }
}
