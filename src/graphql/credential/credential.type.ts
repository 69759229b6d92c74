import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export const CredentialKind = Object.freeze({
  PRIVATE_KEY: 'PRIVATE_KEY',
  PASSWORD: 'PASSWORD',
} as const);
export type CredentialKind = (typeof CredentialKind)[keyof typeof CredentialKind];
registerEnumType(CredentialKind, { name: 'CredentialKind' });

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
