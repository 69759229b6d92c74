import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Exactly one of privateKey and password.' })
export class CreateCredentialInput {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  username!: string;
  @Field(() => String, { nullable: true, description: 'OpenSSH or PEM private key.' })
  privateKey?: string | null;
  @Field(() => String, { nullable: true })
  passphrase?: string | null;
  @Field(() => String, { nullable: true })
  password?: string | null;
}
