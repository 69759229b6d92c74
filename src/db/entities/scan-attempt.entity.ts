import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { ScanEntity } from './scan.entity';

/**
 * One execution of a scan by a worker. Written by a trigger on `scans`
 * (see the migration), so every path that claims or ends an attempt (worker,
 * reaper, cancel) records it without remembering to.
 */
@Entity({ tableName: 'scan_attempts' })
export class ScanAttemptEntity {
  @ManyToOne(() => ScanEntity, { primary: true, fieldName: 'scan_id', deleteRule: 'cascade' })
  scan!: ScanEntity;

  @PrimaryKey({ type: 'integer' })
  attempt!: number;

  @Property({ type: 'text', nullable: true })
  workerId: string | null = null;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt: Date | null = null;

  /** RUNNING while in progress; then the scan's status, or REQUEUED. */
  @Property({ type: 'text' })
  outcome!: string;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;
}
