import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';

import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { CreateCredentialInput } from './credential.input';
import { Credential } from './credential.type';

@Resolver(() => Credential)
export class CredentialResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [Credential])
  async credentials(@Ctx() ctx: AppContext): Promise<Credential[]> {
    return ctx.credentials.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Credential, {
    description: 'Stores an SSH secret, encrypted at rest (AES-256-GCM).',
  })
  async createCredential(
    @Arg('input', () => CreateCredentialInput) input: CreateCredentialInput,
    @Ctx() ctx: AppContext,
  ): Promise<Credential> {
    return ctx.credentials.create({
      name: input.name,
      username: input.username,
      privateKey: input.privateKey ?? undefined,
      passphrase: input.passphrase ?? undefined,
      password: input.password ?? undefined,
    });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Credential)
  async deleteCredential(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: AppContext,
  ): Promise<Credential> {
    return ctx.credentials.delete(id);
  }
}
