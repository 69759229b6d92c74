import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { ScheduleEntity } from './schedule.entity';

/** A target a run did not start, and why. */
export interface ScheduleSkipData {
  /** The target's position in the schedule's list. */
  index: number;
  hostname: string;
  port: number;
  reason: 'SCAN_IN_PROGRESS';
  /** The active scan in the way, when it was still active. */
  scanId: string | null;
}

/**
 * One due time of a schedule that started its scans. The primary key
 * (schedule_id, due_at) is what makes each due time start once however
 * many processes run the scheduler: the row is inserted with `on conflict
 * do nothing` in the transaction that inserts the scans.
 */
@Entity({ tableName: 'schedule_runs' })
export class ScheduleRunEntity {
  @ManyToOne(() => ScheduleEntity, {
    primary: true,
    fieldName: 'schedule_id',
    deleteRule: 'cascade',
  })
  schedule!: ScheduleEntity;

  @PrimaryKey({ type: 'timestamptz' })
  dueAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  scanIds: string[] = [];

  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
  skipped: ScheduleSkipData[] = [];
}
