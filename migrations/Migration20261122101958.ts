import { Migration } from '@mikro-orm/migrations';

/** Stored SSH credentials, sealed with AES-256-GCM (src/secrets/vault.ts). */
export class Migration20261122101958 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "credentials" ("id" uuid not null, "name" text not null, "username" text not null, "kind" text not null, "secret" bytea not null, "created_at" timestamptz not null default now(), constraint "credentials_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "credentials" add constraint "credentials_name_unique" unique ("name");`,
    );
    this.addSql(
      `alter table "credentials" add constraint "credentials_kind_check" check ("kind" in ('PRIVATE_KEY','PASSWORD'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "credentials" cascade;`);
  }
}
