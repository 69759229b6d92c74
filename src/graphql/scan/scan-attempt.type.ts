import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

import { ScanErrorInfo } from './scan-error.type';

@ObjectType({ description: 'One execution of a scan by a worker.' })
export class ScanAttempt {
  @Field(() => Int)
  attempt!: number;
  @Field(() => String, { nullable: true })
  workerId!: string | null;
  @Field(() => GraphQLDateTimeISO)
  startedAt!: Date;
  @Field(() => GraphQLDateTimeISO, { nullable: true })
  endedAt!: Date | null;
  @Field(() => String, {
    description:
      'RUNNING, then the status it ended with (COMPLETED, PARTIAL, FAILED, CANCELLED) or REQUEUED.',
  })
  outcome!: string;
  @Field(() => ScanErrorInfo, {
    nullable: true,
    description: 'Why this attempt failed or was re-queued.',
  })
  error!: ScanErrorInfo | null;
}
