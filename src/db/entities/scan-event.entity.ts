import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import type { ScanStatus } from '../../domain/states';
import { ScanEntity } from './scan.entity';

/**
 * The durable progress log. One row per change of a scan's status, step or
 * percent, written in the same statement as the scan row; NOTIFY carries only
 * `{scanId, seq}` and readers catch up from here.
 */
@Entity({ tableName: 'scan_events' })
@Unique({ properties: ['scan', 'seq'] })
export class ScanEventEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => ScanEntity, { fieldName: 'scan_id', deleteRule: 'cascade' })
  scan!: ScanEntity;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'text' })
  status!: ScanStatus;

  @Property({ type: 'text', nullable: true })
  step: string | null = null;

  @Property({ type: 'smallint' })
  progress!: number;

  @Property({ type: 'text', nullable: true })
  message: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Date = new Date();
}
