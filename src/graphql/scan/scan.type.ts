import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import type { ScanRecord } from '../../services/scan.types';
import { ScanStatus, ScanType, Transport } from '../common/enums';

/**
 * The shape every Scan resolver returns, whichever store the row came from.
 * Fields without a decorator are resolved by ScanResolver.
 */
@ObjectType({ description: 'A scan of one host.' })
export class Scan implements ScanRecord {
  @Field(() => ID)
  id!: string;

  hostId!: string;

  @Field(() => ScanType)
  type!: ScanType;

  @Field(() => ScanStatus)
  status!: ScanStatus;

  @Field(() => Transport)
  transport!: Transport;

  @Field(() => Int, { description: 'Percent of steps finished, 0 to 100.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'Name of the step running now.' })
  currentStep!: string | null;

  @Field(() => Int, {
    description: 'Execution attempt, from 1 once claimed (0 while never claimed).',
  })
  attempt!: number;

  @Field(() => Int)
  maxAttempts!: number;

  @Field(() => Int)
  priority!: number;

  @Field(() => Int)
  timeoutSeconds!: number;

  @Field(() => String, { description: 'Worker pool that may run the scan.' })
  pool!: string;

  @Field(() => Boolean, {
    description: 'PATCHES: whether the package metadata was to be refreshed before listing.',
  })
  refreshMetadata!: boolean;

  @Field(() => String, { description: 'Name of the API key that started the scan.' })
  requestedBy!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Worker holding (or that last held) the scan.',
  })
  workerId!: string | null;

  @Field(() => String, { nullable: true })
  username!: string | null;

  @Field(() => Int, { description: 'Seq of the newest progress event of this scan.' })
  lastSeq!: number;

  errorCode!: string | null;
  errorMessage!: string | null;

  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true })
  startedAt!: Date | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true })
  completedAt!: Date | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true })
  cancelRequestedAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'How many changes `changes` lists; null where it is null (the host’s first finished scan of this type, or a scan that did not end COMPLETED or PARTIAL).',
  })
  changeCount!: number | null;
}
