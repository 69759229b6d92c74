import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export const WorkerState = Object.freeze({
  ACTIVE: 'ACTIVE',
  STOPPING: 'STOPPING',
  LOST: 'LOST',
} as const);
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];
registerEnumType(WorkerState, {
  name: 'WorkerState',
  description:
    'ACTIVE: claiming scans. STOPPING: shutting down gracefully, claiming nothing more. ' +
    'LOST: not heard from within its lease (killed, frozen or cut off); listed for a day.',
});

@ObjectType({ description: 'A worker process, as it last reported itself.' })
export class Worker {
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
