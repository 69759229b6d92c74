import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

import { Role } from '../common/enums';

@ObjectType({ description: 'An API key. Its token is shown once, by createApiKey.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => Role)
  role!: Role;
  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;
  @Field(() => GraphQLDateTimeISO, { nullable: true })
  lastUsedAt!: Date | null;
  @Field(() => GraphQLDateTimeISO, { nullable: true })
  revokedAt!: Date | null;
}
