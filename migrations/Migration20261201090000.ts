import { Migration } from '@mikro-orm/migrations';

/**
 * PATCHES scans: the type joins the scans.type CHECK list, and a scan
 * records whether it may refresh package metadata (false for every scan
 * before this, which is what they did).
 */
export class Migration20261201090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "scans" drop constraint if exists "scans_type_check";`);
    this.addSql(
      `alter table "scans" add constraint "scans_type_check" check ("type" in ('QUICK','FULL','PATCHES'));`,
    );
    this.addSql(
      `alter table "scans" add column "refresh_metadata" boolean not null default false;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "scans" where "type" = 'PATCHES';`);
    this.addSql(`alter table "scans" drop column if exists "refresh_metadata";`);
    this.addSql(`alter table "scans" drop constraint if exists "scans_type_check";`);
    this.addSql(
      `alter table "scans" add constraint "scans_type_check" check ("type" in ('QUICK','FULL'));`,
    );
  }
}
