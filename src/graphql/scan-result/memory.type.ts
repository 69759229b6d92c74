import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Memory from /proc/meminfo, in bytes.' })
export class Memory {
  @Field(() => GraphQLSafeInt)
  totalBytes!: number;
  @Field(() => GraphQLSafeInt, { description: 'totalBytes - availableBytes.' })
  usedBytes!: number;
  @Field(() => GraphQLSafeInt)
  availableBytes!: number;
  @Field(() => GraphQLSafeInt)
  freeBytes!: number;
  @Field(() => GraphQLSafeInt)
  swapTotalBytes!: number;
  @Field(() => GraphQLSafeInt)
  swapUsedBytes!: number;
}
