import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import { ScanStatus } from '../common/enums';
import { Scan } from './scan.type';

@ObjectType({ description: "A change of a scan's status, step or percent." })
export class ScanProgressEvent {
  @Field(() => ID)
  scanId!: string;

  @Field(() => Int, {
    description:
      'Increases by one per event of this scan; pass the last one seen as afterSeq to resume.',
  })
  seq!: number;

  @Field(() => ScanStatus)
  status!: ScanStatus;

  @Field(() => Int)
  progress!: number;

  @Field(() => String, { nullable: true })
  step!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => GraphQLDateTimeISO)
  at!: Date;

  @Field(() => Scan, { description: 'The scan as read when this event was delivered.' })
  scan!: Scan;
}
