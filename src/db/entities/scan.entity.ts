import { randomUUID } from 'node:crypto';

import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import type { ScanStatus, ScanType, Transport } from '../../domain/states';
import { HostEntity } from './host.entity';

/**
 * A scan, and the queue entry for it: workers claim rows of this table with
 * FOR UPDATE SKIP LOCKED (see src/queue/sql.ts), so queue columns live here.
 */
@Entity({ tableName: 'scans' })
@Index({ name: 'scans_created_idx', properties: ['createdAt', 'id'] })
// Declared here (not only in the migration) so generated migrations keep them.
@Check({
  name: 'scans_status_check',
  expression: `status in ('PENDING','RUNNING','COMPLETED','PARTIAL','FAILED','CANCELLED')`,
})
@Check({ name: 'scans_type_check', expression: `type in ('QUICK','FULL','PATCHES')` })
@Check({ name: 'scans_transport_check', expression: `transport in ('SSH','LOCAL')` })
@Check({ name: 'scans_progress_check', expression: 'progress between 0 and 100' })
@Check({ name: 'scans_pool_check', expression: `pool ~ '^[a-z0-9][a-z0-9._-]{0,62}$'` })
@Index({
  name: 'scans_claim_idx',
  expression: `create index "scans_claim_idx" on "scans" ("pool", "priority" desc, "created_at") where "status" = 'PENDING'`,
})
@Index({
  name: 'scans_lease_idx',
  expression: `create index "scans_lease_idx" on "scans" ("lease_expires_at") where "status" = 'RUNNING'`,
})
@Index({
  name: 'scans_history_idx',
  expression: `create index "scans_history_idx" on "scans" ("completed_at" desc, "id" desc) where "completed_at" is not null`,
})
@Index({
  name: 'scans_host_idx',
  expression: `create index "scans_host_idx" on "scans" ("host_id", "created_at" desc)`,
})
@Unique({
  name: 'scans_one_active_per_host_type',
  expression: `create unique index "scans_one_active_per_host_type" on "scans" ("host_id", "type") where "status" in ('PENDING','RUNNING')`,
})
@Unique({
  name: 'scans_idempotency_idx',
  expression: `create unique index "scans_idempotency_idx" on "scans" ("requested_by", "idempotency_key") where "idempotency_key" is not null`,
})
export class ScanEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => HostEntity, { fieldName: 'host_id', deleteRule: 'cascade' })
  host!: HostEntity;

  @Property({ type: 'text' })
  type!: ScanType;

  @Property({ type: 'text' })
  status!: ScanStatus;

  @Property({ type: 'text' })
  transport!: Transport;

  @Property({ type: 'text', nullable: true })
  username: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  credentialId: string | null = null;

  @Property({ type: 'integer', default: 0 })
  priority: number = 0;

  @Property({ type: 'integer' })
  timeoutSeconds!: number;

  /** Only workers serving this pool (WORKER_POOLS) claim the scan. */
  @Property({ type: 'text', default: 'default' })
  pool: string = 'default';

  /** PATCHES only: refresh the package manager's metadata before listing updates. */
  @Property({ type: 'boolean', default: false })
  refreshMetadata: boolean = false;

  @Property({ type: 'text', nullable: true })
  idempotencyKey: string | null = null;

  @Property({ type: 'text' })
  requestedBy!: string;

  @Property({ type: 'integer', default: 0 })
  attempt: number = 0;

  @Property({ type: 'integer', default: 3 })
  maxAttempts: number = 3;

  @Property({ type: 'text', nullable: true })
  workerId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null = null;

  /** Not claimable before this time (retry backoff). */
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  runAfter: Date = new Date();

  @Property({ type: 'smallint', default: 0 })
  progress: number = 0;

  @Property({ type: 'text', nullable: true })
  currentStep: string | null = null;

  /** Seq of the newest row in scan_events for this scan. */
  @Property({ type: 'integer', default: 0 })
  lastSeq: number = 0;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  cancelRequestedAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  /**
   * How many changes since the previous finished scan of the same host and
   * type (the list is ScanResultEntity.changes); null for the host's first
   * scan and for a scan that did not finish COMPLETED or PARTIAL.
   */
  @Property({ type: 'integer', nullable: true })
  changeCount: number | null = null;
}
