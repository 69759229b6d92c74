import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A local filesystem, from `df -P -k -l`. Byte counts are exact.' })
export class Disk {
  @Field(() => String)
  mount!: string;
  @Field(() => String)
  filesystem!: string;
  @Field(() => GraphQLSafeInt)
  sizeBytes!: number;
  @Field(() => GraphQLSafeInt)
  usedBytes!: number;
  @Field(() => GraphQLSafeInt)
  availableBytes!: number;
  @Field(() => Int)
  usePercent!: number;
}
