import { Field, ID, InputType, Int } from 'type-graphql';

import { ScanStatus, ScanType, Transport } from '../common/enums';

@InputType({ description: 'The host to scan.' })
export class ScanTargetInput {
  @Field(() => String, { description: 'RFC 1123 hostname, IPv4 or IPv6 address.' })
  hostname!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port, 22 by default.' })
  port?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'SSH login (POSIX portable name); root by default.',
  })
  username?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Stored credential to log in with; the worker default key when unset.',
  })
  credentialId?: string | null;

  @Field(() => Transport, { nullable: true, description: 'SSH by default.' })
  transport?: Transport | null;
}

@InputType()
export class StartScanInput {
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
}

@InputType()
export class ScanFilter {
  @Field(() => [ScanStatus], { nullable: true })
  status?: ScanStatus[] | null;

  @Field(() => [ScanType], { nullable: true })
  type?: ScanType[] | null;

  @Field(() => String, { nullable: true })
  hostname?: string | null;
}

@InputType({ description: 'Which events scanUpdates delivers.' })
export class ScanUpdatesFilter {
  @Field(() => [ScanStatus], { nullable: true })
  status?: ScanStatus[] | null;

  @Field(() => [ScanType], { nullable: true })
  type?: ScanType[] | null;
}
