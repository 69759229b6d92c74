import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import type { WorkerRecord } from '../../services/worker.service';
import { WorkerState } from '../common/enums';

@ObjectType('Worker', { description: 'A worker process, as it last reported itself.' })
export class WorkerInfo implements WorkerRecord {
  @Field(() => ID, { description: 'WORKER_ID, as shown on the scans it runs.' })
  id!: string;

  @Field(() => String, {
    description: "The worker machine's hostname (LOCAL scans of it run here).",
  })
  hostname!: string;

  @Field(() => [String], { description: 'The pools whose scans it claims (WORKER_POOLS).' })
  pools!: string[];

  @Field(() => Int, { description: 'Scans it runs at once at most (WORKER_CONCURRENCY).' })
  concurrency!: number;

  @Field(() => Int, { description: 'Scans it holds RUNNING now.' })
  running!: number;

  @Field(() => WorkerState)
  state!: WorkerState;

  @Field(() => GraphQLDateTimeISO)
  startedAt!: Date;

  @Field(() => GraphQLDateTimeISO)
  lastSeenAt!: Date;
}
