import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A process, among the top by resident memory.' })
export class Process {
  @Field(() => Int)
  pid!: number;
  @Field(() => String)
  user!: string;
  @Field(() => String)
  command!: string;
  @Field(() => Float)
  cpuPercent!: number;
  @Field(() => Float)
  memPercent!: number;
  @Field(() => GraphQLSafeInt)
  rssBytes!: number;
}
