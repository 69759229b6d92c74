import { Migration } from '@mikro-orm/migrations';

/**
 * Worker pools: a scan names the pool that may run it (`default` unless the
 * request says otherwise), and a worker claims only scans of the pools in
 * its WORKER_POOLS. Existing scans join `default`, which every worker
 * serves unless configured otherwise.
 */
export class Migration20261122130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "scans" add column "pool" text not null default 'default';`);
    // NOT VALID, then VALIDATE: the check of existing rows does not hold the
    // table's exclusive lock.
    this.addSql(
      `alter table "scans" add constraint "scans_pool_check" check (pool ~ '^[a-z0-9][a-z0-9._-]{0,62}$') not valid;`,
    );
    this.addSql(`alter table "scans" validate constraint "scans_pool_check";`);
    // The claim walks the runnable scans of one pool in claim order, not
    // every other pool's backlog before it.
    this.addSql(`drop index if exists "scans_claim_idx";`);
    this.addSql(
      `create index "scans_claim_idx" on "scans" ("pool", "priority" desc, "created_at") where "status" = 'PENDING';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "scans_claim_idx";`);
    this.addSql(
      `create index "scans_claim_idx" on "scans" ("priority" desc, "created_at") where "status" = 'PENDING';`,
    );
    this.addSql(`alter table "scans" drop constraint if exists "scans_pool_check";`);
    this.addSql(`alter table "scans" drop column if exists "pool";`);
  }
}
