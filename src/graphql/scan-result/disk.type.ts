import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'A local filesystem, from /proc/self/mountinfo and statfs (or `df -P -k -l`). Byte counts are exact; one beyond 2^53 is null.',
})
export class Disk {
  @Field(() => String, { description: 'Mount point, with the escapes of the mount table decoded.' })
  mount!: string;
  @Field(() => String)
  filesystem!: string;
  @Field(() => GraphQLSafeInt, { nullable: true })
  sizeBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true })
  usedBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true })
  availableBytes!: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'As df computes Capacity: used / (used + available), rounded up.',
  })
  usePercent!: number | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Why the filesystem could not be measured (a hung FUSE daemon, a failing statfs); null when it was. Its numbers are null then.',
  })
  error?: string | null;
}
