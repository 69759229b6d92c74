import { Migration } from '@mikro-orm/migrations';

/**
 * Change tracking: `scans.change_count` (null for a host's first scan and for
 * scans that did not finish COMPLETED or PARTIAL) beside the scan's status,
 * so the terminal progress event's scan row carries it, and
 * `scan_results.changes`, the list it counts. Both are written once, by the
 * worker's terminal write (src/queue/changes.ts). Nullable columns with no
 * default: adding them rewrites no row.
 */
export class Migration20261201100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "scans" add column "change_count" integer null;`);
    this.addSql(`alter table "scan_results" add column "changes" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "scan_results" drop column if exists "changes";`);
    this.addSql(`alter table "scans" drop column if exists "change_count";`);
  }
}
