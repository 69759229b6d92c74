import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A stored target of a schedule, as startScan takes it (hostname canonical, port set). */
export interface ScheduleTargetData {
  hostname: string;
  port: number;
  username: string | null;
  credentialId: string | null;
  transport: 'SSH' | 'LOCAL';
}

/**
 * Scans started on a cron schedule. `next_run_at` is the next due time
 * (null while disabled); the scheduler in every process starts the scans of
 * a due schedule and advances it (src/scheduler/).
 */
@Entity({ tableName: 'schedules' })
@Index({
  name: 'schedules_due_idx',
  properties: ['nextRunAt'],
  expression: 'create index "schedules_due_idx" on "schedules" ("next_run_at") where "enabled"',
})
export class ScheduleEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Unique({ name: 'schedules_name_unique' })
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'jsonb' })
  targets!: ScheduleTargetData[];

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text' })
  cron!: string;

  @Property({ type: 'text' })
  timezone!: string;

  @Property({ type: 'boolean', default: true })
  enabled: boolean = true;

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastRunAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  nextRunAt: Date | null = null;
}
