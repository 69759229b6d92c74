import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import type {
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleSkip,
  ScheduleTarget,
} from '../../services/schedule.types';
import { ScanType, Transport } from '../common/enums';

@ObjectType({ description: 'A host a schedule scans, as stored (hostname canonical, port set).' })
export class ScheduleTargetInfo implements ScheduleTarget {
  @Field(() => String)
  hostname!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => String, { nullable: true })
  username!: string | null;

  @Field(() => ID, { nullable: true })
  credentialId!: string | null;

  @Field(() => Transport)
  transport!: Transport;
}

@ObjectType({ description: 'A target a run did not start, and why.' })
export class ScheduleSkipInfo implements ScheduleSkip {
  @Field(() => Int, { description: "The target's position in `Schedule.targets`, from 0." })
  index!: number;

  @Field(() => String)
  hostname!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => String, {
    description: 'SCAN_IN_PROGRESS: the previous scan of this host and type was still active.',
  })
  reason!: 'SCAN_IN_PROGRESS';

  @Field(() => ID, {
    nullable: true,
    description: 'The active scan in the way (null if it ended before it was read).',
  })
  scanId!: string | null;
}

@ObjectType({ description: 'One due time of a schedule, which started its scans once.' })
export class ScheduleRun implements ScheduleRunRecord {
  @Field(() => GraphQLDateTimeISO, { description: 'The due time this run was for.' })
  dueAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When a process started it.' })
  startedAt!: Date;

  @Field(() => [ID], { description: 'The scans it started, in target order.' })
  scanIds!: string[];

  @Field(() => [ScheduleSkipInfo], { description: 'The targets it skipped.' })
  skipped!: ScheduleSkipInfo[];
}

@ObjectType({ description: 'Scans of a list of hosts, started on a cron schedule.' })
export class Schedule implements ScheduleRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [ScheduleTargetInfo])
  targets!: ScheduleTargetInfo[];

  @Field(() => ScanType)
  type!: ScanType;

  @Field(() => String, {
    description:
      'Cron expression: five fields (minute hour day-of-month month day-of-week) or six with seconds first.',
  })
  cron!: string;

  @Field(() => String, { description: 'IANA time zone the expression is read in.' })
  timezone!: string;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { description: 'The API key that created it.' })
  createdBy!: string;

  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO)
  updatedAt!: Date;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: 'The due time of the newest run; null before the first.',
  })
  lastRunAt!: Date | null;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: 'The next due time; null while disabled.',
  })
  nextRunAt!: Date | null;
}
