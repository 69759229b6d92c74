import { Field, InputType } from 'type-graphql';

import { Role } from '../common/enums';

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: 'Recorded as requestedBy on the scans this key starts.' })
  name!: string;
  @Field(() => Role)
  role!: Role;
}
