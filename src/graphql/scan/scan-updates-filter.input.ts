import { Field, InputType } from 'type-graphql';

import { ScanStatus, ScanType } from '../common/enums';

@InputType({ description: 'Which events scanUpdates delivers.' })
export class ScanUpdatesFilter {
  @Field(() => [ScanStatus], { nullable: true })
  status?: ScanStatus[] | null;

  @Field(() => [ScanType], { nullable: true })
  type?: ScanType[] | null;
}
