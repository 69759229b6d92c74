import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';

import type { ScanRecord } from '../../services/scan.types';
import type { ScheduleRunRecord } from '../../services/schedule.types';
import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { Scan } from '../scan/scan.type';
import { CreateScheduleInput, UpdateScheduleInput } from './schedule.input';
import { Schedule, ScheduleRun } from './schedule.type';

@Resolver(() => Schedule)
export class ScheduleResolver {
  @Authorized(Role.VIEWER)
  @Query(() => [Schedule], { description: 'Every schedule, by name.' })
  async schedules(@Ctx() ctx: AppContext): Promise<Schedule[]> {
    return ctx.schedules.list();
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => Schedule, {
    description:
      'Creates a schedule; BAD_USER_INPUT names a bad field (an invalid cron or time zone, a taken name).',
  })
  async createSchedule(
    @Arg('input', () => CreateScheduleInput) input: CreateScheduleInput,
    @Ctx() ctx: AppContext,
  ): Promise<Schedule> {
    return ctx.schedules.create(ctx.principal, input);
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => Schedule, {
    description:
      'Changes the fields set in `input`. A change of cron, timezone or enabled recomputes nextRunAt from now.',
  })
  async updateSchedule(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateScheduleInput) input: UpdateScheduleInput,
    @Ctx() ctx: AppContext,
  ): Promise<Schedule> {
    return ctx.schedules.update(id, input);
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => Schedule, {
    description: 'Deletes a schedule and its runs (not the scans it started); returns it.',
  })
  async deleteSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: AppContext): Promise<Schedule> {
    return ctx.schedules.delete(id);
  }

  @FieldResolver(() => [ScheduleRun], { description: 'The newest runs, newest first.' })
  async runs(
    @Root() schedule: Schedule,
    @Ctx() ctx: AppContext,
    @Arg('last', () => Int, { nullable: true, description: '1 to 100; 10 when unset.' })
    last?: number,
  ): Promise<ScheduleRunRecord[]> {
    return ctx.schedules.runs(schedule.id, last);
  }
}

@Resolver(() => ScheduleRun)
export class ScheduleRunResolver {
  @FieldResolver(() => [Scan], { description: 'The scans it started, in target order.' })
  async scans(@Root() run: ScheduleRun, @Ctx() ctx: AppContext): Promise<ScanRecord[]> {
    return ctx.scans.getMany(ctx.em, run.scanIds);
  }
}
