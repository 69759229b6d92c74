import { Field, Int, ObjectType } from 'type-graphql';

import { InterfaceAddress } from './interface-address.type';

@ObjectType()
export class NetworkInterface {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  mac!: string | null;
  @Field(() => Int, { nullable: true })
  mtu!: number | null;
  @Field(() => String, {
    description: 'Operational state as the host reports it (UP, DOWN, UNKNOWN).',
  })
  state!: string;
  @Field(() => [InterfaceAddress])
  addresses!: InterfaceAddress[];
}
