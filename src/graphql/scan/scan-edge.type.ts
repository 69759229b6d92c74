import { Field, ObjectType } from 'type-graphql';

import { Scan } from './scan.type';

@ObjectType()
export class ScanEdge {
  @Field(() => String)
  cursor!: string;
  @Field(() => Scan)
  node!: Scan;
}
