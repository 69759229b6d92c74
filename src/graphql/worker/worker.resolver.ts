import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';

import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { Worker } from './worker.type';

@Resolver(() => Worker)
export class WorkerResolver {
  @Authorized(Role.VIEWER)
  @Query(() => [Worker], {
    description:
      'Worker processes: running ones, and for a day those lost without a clean stop. ' +
      'With `pool`, only the workers serving it: none ACTIVE means its scans wait.',
  })
  async workers(
    @Ctx() ctx: AppContext,
    @Arg('pool', () => String, { nullable: true }) pool?: string | null,
  ): Promise<Worker[]> {
    return ctx.workers.list(pool);
  }
}
