import { Field, InputType } from 'type-graphql';

import type { CreateScheduleRequest, UpdateScheduleRequest } from '../../services/schedule.types';
import { ScanType } from '../common/enums';
import { ScanTargetInput } from '../scan/scan-target.input';

@InputType()
export class CreateScheduleInput implements CreateScheduleRequest {
  @Field(() => String, { description: 'Unique, 1 to 100 characters.' })
  name!: string;

  @Field(() => [ScanTargetInput], {
    description: '1 to 1000 hosts, each named once, as in startScan.',
  })
  targets!: ScanTargetInput[];

  @Field(() => ScanType)
  type!: ScanType;

  @Field(() => String, {
    description:
      'Five fields (minute hour day-of-month month day-of-week) or six with seconds first, e.g. "0 3 * * *" or "*/30 * * * * *".',
  })
  cron!: string;

  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone the expression is read in; UTC when unset.',
  })
  timezone?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True when unset.' })
  enabled?: boolean | null;
}

@InputType({ description: 'Fields left unset keep their value.' })
export class UpdateScheduleInput implements UpdateScheduleRequest {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [ScanTargetInput], { nullable: true })
  targets?: ScanTargetInput[] | null;

  @Field(() => ScanType, { nullable: true })
  type?: ScanType | null;

  @Field(() => String, { nullable: true })
  cron?: string | null;

  @Field(() => String, { nullable: true })
  timezone?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
