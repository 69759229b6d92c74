import { Field, ObjectType } from 'type-graphql';

import { ApiKey } from './api-key.type';

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => String, { description: 'The bearer token. Shown only here: store it now.' })
  token!: string;
  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
