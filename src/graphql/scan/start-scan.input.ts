import { Field, InputType, Int } from 'type-graphql';

import type { StartScanRequest } from '../../services/scan.types';
import { ScanType } from '../common/enums';
import { ScanTargetInput } from './scan-target.input';

@InputType()
export class StartScanInput implements StartScanRequest {
  @Field(() => ScanTargetInput)
  target!: ScanTargetInput;

  @Field(() => ScanType)
  type!: ScanType;

  @Field(() => Int, {
    nullable: true,
    description: 'Whole-scan deadline (1 to 86400); the server default when unset.',
  })
  timeoutSeconds?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Repeating a request with the same key (per API key) returns the first scan instead of starting another.',
  })
  idempotencyKey?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Higher runs first (-100 to 100); 0 by default.',
  })
  priority?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Worker pool that may run the scan (workers serve the pools in their WORKER_POOLS); "default" when unset.',
  })
  pool?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'PATCHES only: refresh the package metadata first (apt-get update, dnf/yum makecache, zypper refresh) where the login is root; never pacman -Sy. False by default: the scan changes nothing on the host.',
  })
  refreshMetadata?: boolean | null;
}
