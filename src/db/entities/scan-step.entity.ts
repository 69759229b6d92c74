import { Check, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import type { StepStatus } from '../../domain/states';
import { ScanEntity } from './scan.entity';

/** One probe of one scan: its own status, timing and error. */
@Entity({ tableName: 'scan_steps' })
@Check({
  name: 'scan_steps_status_check',
  expression: `status in ('PENDING','RUNNING','SUCCEEDED','FAILED','SKIPPED')`,
})
export class ScanStepEntity {
  @ManyToOne(() => ScanEntity, { primary: true, fieldName: 'scan_id', deleteRule: 'cascade' })
  scan!: ScanEntity;

  @PrimaryKey({ type: 'smallint' })
  position!: number;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  status!: StepStatus;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;
}
