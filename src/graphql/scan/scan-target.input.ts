import { Field, ID, InputType, Int } from 'type-graphql';

import type { ScanTarget } from '../../services/scan.types';
import { Transport } from '../common/enums';

@InputType({ description: 'The host to scan.' })
export class ScanTargetInput implements ScanTarget {
  @Field(() => String, { description: 'RFC 1123 hostname, IPv4 or IPv6 address.' })
  hostname!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port, 22 by default.' })
  port?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'SSH login name; root by default.',
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
