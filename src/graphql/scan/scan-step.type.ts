import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

import { StepStatus } from '../common/enums';
import { ScanErrorInfo } from './scan-error.type';

@ObjectType({ description: 'One probe of a scan.' })
export class ScanStep {
  @Field(() => Int, { description: 'Order of the step, from 0.' })
  position!: number;
  @Field(() => String, {
    description: 'Probe name: os, hostname, uptime, disk, memory, packages, processes, interfaces.',
  })
  name!: string;
  @Field(() => StepStatus)
  status!: StepStatus;
  @Field(() => GraphQLDateTimeISO, { nullable: true })
  startedAt!: Date | null;
  @Field(() => GraphQLDateTimeISO, { nullable: true })
  completedAt!: Date | null;
  @Field(() => Int, { nullable: true })
  durationMs!: number | null;
  @Field(() => ScanErrorInfo, { nullable: true })
  error!: ScanErrorInfo | null;
}
