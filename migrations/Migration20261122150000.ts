import { Migration } from '@mikro-orm/migrations';

/**
 * Worker presence: each worker process keeps a row up to date while it runs
 * (renewed on the heartbeat period, like a lease) and deletes it when it
 * stops, so operators can see which workers serve which pools.
 */
export class Migration20261122150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "workers" (
      "id" text not null, "hostname" text not null, "pools" text[] not null,
      "concurrency" int not null, "started_at" timestamptz not null default now(),
      "last_seen_at" timestamptz not null default now(), "expires_at" timestamptz not null,
      "stopping" boolean not null default false,
      constraint "workers_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "workers" cascade;`);
  }
}
