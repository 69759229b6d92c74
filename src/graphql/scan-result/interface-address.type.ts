import { Field, Int, ObjectType } from 'type-graphql';

import { AddressFamily } from '../common/enums';

@ObjectType()
export class InterfaceAddress {
  @Field(() => String)
  address!: string;
  @Field(() => AddressFamily)
  family!: AddressFamily;
  @Field(() => Int)
  prefixLength!: number;
}
