import { Migration } from '@mikro-orm/migrations';

/**
 * API key names are unique: a key's name is what scans record as
 * `requestedBy`, and what non-admin history and idempotency keys are scoped
 * by, so two keys must never share one.
 */
export class Migration20261122113500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_keys" add constraint "api_keys_name_unique" unique ("name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint if exists "api_keys_name_unique";`);
  }
}
