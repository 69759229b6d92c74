import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';

import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { CreateApiKeyInput } from './api-key.input';
import { ApiKey } from './api-key.type';
import { CreateApiKeyPayload } from './create-api-key.payload';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ApiKey], {
    description: 'Every API key, revoked ones included. Never their tokens.',
  })
  async apiKeys(@Ctx() ctx: AppContext): Promise<ApiKey[]> {
    return ctx.apiKeys.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateApiKeyPayload)
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() ctx: AppContext,
  ): Promise<CreateApiKeyPayload> {
    return ctx.apiKeys.create(input.name, input.role);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes a key at once; its open WebSockets are closed.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: AppContext): Promise<ApiKey> {
    return ctx.apiKeys.revoke(id);
  }
}
