import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

import { CredentialKind } from '../common/enums';

@ObjectType({ description: 'A stored SSH login. The secret itself is never returned.' })
export class Credential {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'Login used when the scan target names none.' })
  username!: string;
  @Field(() => CredentialKind)
  kind!: CredentialKind;
  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;
}
