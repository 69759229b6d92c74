import { Migration } from '@mikro-orm/migrations';

/**
 * API key names are unique: a key's name is what scans record as
 * `requestedBy`, and what non-admin history and idempotency keys are scoped
 * by, so two keys must never share one.
 */
export class Migration20261122113500 extends Migration {
  override async up(): Promise<void> {
    // Existing duplicates (and a key posing as the ADMIN_TOKEN principal) get
    // their id appended, so the constraint can be added on any database.
    this.addSql(`update "api_keys" k set "name" = k."name" || '-' || k."id"
      where k."name" = 'admin-token'
         or exists (select 1 from "api_keys" o where o."name" = k."name" and o."created_at" < k."created_at")
         or exists (select 1 from "api_keys" o where o."name" = k."name" and o."created_at" = k."created_at" and o."id" < k."id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_name_unique" unique ("name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint if exists "api_keys_name_unique";`);
  }
}
