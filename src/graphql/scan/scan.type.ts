import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import { ScanErrorCode, ScanStatus, ScanType, StepStatus, Transport } from '../common/enums';
import { PageInfo } from '../common/page';

@ObjectType('ScanError', { description: 'Why a scan or step failed.' })
export class ScanErrorInfo {
  @Field(() => ScanErrorCode)
  code!: ScanErrorCode;
  @Field(() => String)
  message!: string;
}

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

/**
 * The shape every Scan resolver returns, whichever store the row came from.
 * Fields without a decorator are resolved by ScanResolver.
 */
@ObjectType({ description: 'A scan of one host.' })
export class Scan {
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
}

@ObjectType()
export class ScanEdge {
  @Field(() => String)
  cursor!: string;
  @Field(() => Scan)
  node!: Scan;
}

@ObjectType({ description: 'A page of scans, newest first.' })
export class ScanConnection {
  @Field(() => [ScanEdge])
  edges!: ScanEdge[];
  @Field(() => PageInfo)
  pageInfo!: PageInfo;
  @Field(() => Int)
  totalCount!: number;
}

@ObjectType({
  description:
    'Returned by startScan at once, with the scan PENDING (or the existing scan for a repeated idempotency key).',
})
export class StartScanPayload {
  @Field(() => Scan)
  scan!: Scan;
}
