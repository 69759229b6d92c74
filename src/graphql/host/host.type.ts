import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A scan target, identified by hostname and port.' })
export class Host {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  hostname!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => String, { nullable: true, description: 'Pinned SSH host key, `SHA256:...`.' })
  hostKeyFingerprint!: string | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true })
  hostKeyPinnedAt!: Date | null;
}
