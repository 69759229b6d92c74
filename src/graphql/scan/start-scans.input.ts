import { Field, InputType, Int } from 'type-graphql';

import type { StartScansRequest } from '../../services/scan.types';
import { ScanType } from '../common/enums';
import { ScanTargetInput } from './scan-target.input';

@InputType({ description: 'One scan of each target, all of one type and with the same options.' })
export class StartScansInput implements StartScansRequest {
  @Field(() => [ScanTargetInput], {
    description:
      '1 to 1000 hosts, as in startScan. Pass them as a variable: a document is limited to 5000 tokens.',
  })
  targets!: ScanTargetInput[];

  @Field(() => ScanType)
  type!: ScanType;

  @Field(() => Int, {
    nullable: true,
    description: 'Whole-scan deadline (1 to 86400) of each scan; the server default when unset.',
  })
  timeoutSeconds?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Repeating the batch with the same key (per API key), the same targets in the same order, returns the scans it started the first time. Target i is stored under the key `<key>#<i>`.',
  })
  idempotencyKey?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Higher runs first (-100 to 100); 0 by default.',
  })
  priority?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Worker pool that may run the scans; "default" when unset.',
  })
  pool?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'PATCHES only: refresh the package metadata first (see StartScanInput).',
  })
  refreshMetadata?: boolean | null;
}
