import { Field, ObjectType } from 'type-graphql';

import { Scan } from './scan.type';

@ObjectType({
  description:
    'Returned by startScan at once, with the scan PENDING (or the existing scan for a repeated idempotency key).',
})
export class StartScanPayload {
  @Field(() => Scan)
  scan!: Scan;
}
