import { Migration } from '@mikro-orm/migrations';

/**
 * The parts of the queue the ORM cannot describe: state checks, the partial
 * indexes the claim and reaper use, the one-active-scan-per-host rule, and the
 * triggers that NOTIFY workers (new work, cancellation) and API processes
 * (progress events) in the same transaction as the write.
 */
export class Migration20261122094500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "scans" add constraint "scans_status_check"
      check ("status" in ('PENDING','RUNNING','COMPLETED','PARTIAL','FAILED','CANCELLED'));`);
    this.addSql(
      `alter table "scans" add constraint "scans_type_check" check ("type" in ('QUICK','FULL'));`,
    );
    this.addSql(
      `alter table "scans" add constraint "scans_transport_check" check ("transport" in ('SSH','LOCAL'));`,
    );
    this.addSql(
      `alter table "scans" add constraint "scans_progress_check" check ("progress" between 0 and 100);`,
    );
    this.addSql(`alter table "scan_steps" add constraint "scan_steps_status_check"
      check ("status" in ('PENDING','RUNNING','SUCCEEDED','FAILED','SKIPPED'));`);
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_role_check" check ("role" in ('VIEWER','OPERATOR','ADMIN'));`,
    );

    // Claim: highest priority, then oldest, among runnable PENDING rows.
    this.addSql(
      `create index "scans_claim_idx" on "scans" ("priority" desc, "created_at") where "status" = 'PENDING';`,
    );
    // Reaper: RUNNING rows by lease expiry.
    this.addSql(
      `create index "scans_lease_idx" on "scans" ("lease_expires_at") where "status" = 'RUNNING';`,
    );
    // History: finished scans newest first.
    this.addSql(
      `create index "scans_history_idx" on "scans" ("completed_at" desc, "id" desc) where "completed_at" is not null;`,
    );
    this.addSql(`create index "scans_host_idx" on "scans" ("host_id", "created_at" desc);`);
    // At most one active scan per host and type; startScan maps the violation to SCAN_IN_PROGRESS.
    this.addSql(`create unique index "scans_one_active_per_host_type" on "scans" ("host_id", "type")
      where "status" in ('PENDING','RUNNING');`);
    this
      .addSql(`create unique index "scans_idempotency_idx" on "scans" ("requested_by", "idempotency_key")
      where "idempotency_key" is not null;`);

    this
      .addSql(`create function "hostscan_notify_scan_event"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('scan_events', json_build_object('scanId', new.scan_id, 'seq', new.seq)::text);
        return null;
      end $$;`);
    this.addSql(`create trigger "scan_events_notify" after insert on "scan_events"
      for each row execute function "hostscan_notify_scan_event"();`);

    this
      .addSql(`create function "hostscan_notify_scan_queue"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('scan_queue', new.id::text);
        return null;
      end $$;`);
    this.addSql(`create trigger "scans_queue_notify" after insert or update of "status" on "scans"
      for each row when (new.status = 'PENDING') execute function "hostscan_notify_scan_queue"();`);

    this
      .addSql(`create function "hostscan_notify_scan_cancel"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('scan_cancel', new.id::text);
        return null;
      end $$;`);
    this
      .addSql(`create trigger "scans_cancel_notify" after update of "cancel_requested_at" on "scans"
      for each row when (new.cancel_requested_at is not null and old.cancel_requested_at is null)
      execute function "hostscan_notify_scan_cancel"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "scans_cancel_notify" on "scans";`);
    this.addSql(`drop function if exists "hostscan_notify_scan_cancel"();`);
    this.addSql(`drop trigger if exists "scans_queue_notify" on "scans";`);
    this.addSql(`drop function if exists "hostscan_notify_scan_queue"();`);
    this.addSql(`drop trigger if exists "scan_events_notify" on "scan_events";`);
    this.addSql(`drop function if exists "hostscan_notify_scan_event"();`);
    this.addSql(`drop index if exists "scans_idempotency_idx";`);
    this.addSql(`drop index if exists "scans_one_active_per_host_type";`);
    this.addSql(`drop index if exists "scans_host_idx";`);
    this.addSql(`drop index if exists "scans_history_idx";`);
    this.addSql(`drop index if exists "scans_lease_idx";`);
    this.addSql(`drop index if exists "scans_claim_idx";`);
    this.addSql(`alter table "api_keys" drop constraint if exists "api_keys_role_check";`);
    this.addSql(`alter table "scan_steps" drop constraint if exists "scan_steps_status_check";`);
    this.addSql(`alter table "scans" drop constraint if exists "scans_progress_check";`);
    this.addSql(`alter table "scans" drop constraint if exists "scans_transport_check";`);
    this.addSql(`alter table "scans" drop constraint if exists "scans_type_check";`);
    this.addSql(`alter table "scans" drop constraint if exists "scans_status_check";`);
  }
}
