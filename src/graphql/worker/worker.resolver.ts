import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';

import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { WorkerInfo } from './worker.type';

@Resolver(() => WorkerInfo)
export class WorkerResolver {
  @Authorized(Role.VIEWER)
  @Query(() => [WorkerInfo], {
    description:
      'Worker processes: running ones, and for a day those lost without a clean stop. ' +
      'With `pool`, only the workers serving it: none ACTIVE means its scans wait.',
  })
  async workers(
    @Ctx() ctx: AppContext,
    @Arg('pool', () => String, { nullable: true }) pool?: string | null,
  ): Promise<WorkerInfo[]> {
    return ctx.workers.list(pool);
  }
}
