import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

import type {
  StartScanFailure,
  StartScanOutcome,
  StartScansOutcome,
} from '../../services/scan.types';
import { Scan } from './scan.type';

/** Why one target of startScans did not start: the codes startScan would have thrown. */
export const StartScanErrorCode = Object.freeze({
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  SCAN_IN_PROGRESS: 'SCAN_IN_PROGRESS',
} as const);
export type StartScanErrorCode = (typeof StartScanErrorCode)[keyof typeof StartScanErrorCode];
registerEnumType(StartScanErrorCode, {
  name: 'StartScanErrorCode',
  description:
    'BAD_USER_INPUT: a field of the target (or the idempotency key) is wrong; `field` names it. ' +
    'SCAN_IN_PROGRESS: the host already has a pending or running scan of this type; `scanId` names it.',
});

@ObjectType({ description: 'Why one target of startScans did not start.' })
export class StartScanError implements StartScanFailure {
  @Field(() => StartScanErrorCode)
  code!: StartScanErrorCode;

  @Field(() => String)
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: 'BAD_USER_INPUT: the input field at fault, e.g. `targets[3].port`.',
  })
  field!: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'SCAN_IN_PROGRESS: the active scan of that host and type (null if it ended before it was read).',
  })
  scanId!: string | null;
}

@ObjectType({ description: 'One target of startScans: exactly one of `scan` and `error` is set.' })
export class StartScanResult implements StartScanOutcome {
  @Field(() => Int, { description: "The target's position in `input.targets`, from 0." })
  index!: number;

  @Field(() => Scan, { nullable: true, description: 'The PENDING scan of this target.' })
  scan!: Scan | null;

  @Field(() => StartScanError, { nullable: true })
  error!: StartScanError | null;
}

@ObjectType({ description: 'Returned by startScans at once.' })
export class StartScansPayload implements StartScansOutcome {
  @Field(() => [StartScanResult], { description: 'One per target, in input order.' })
  results!: readonly StartScanResult[];

  @Field(() => Int, { description: 'Targets with a scan.' })
  startedCount!: number;

  @Field(() => Int, { description: 'Targets with an error.' })
  failedCount!: number;
}
