import {
  Arg,
  Args,
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

import type { ScanChanges as ScanChangesData } from '../../domain/changes';
import type { ScanResultData } from '../../domain/result';
import { notFound } from '../../services/errors';
import { Role, type ScanErrorCode } from '../common/enums';
import { PageArgs } from '../common/page.args';
import type { AppContext } from '../context';
import { Host } from '../host/host.type';
import { ScanChanges } from '../scan-changes/scan-changes.type';
import { ScanResult } from '../scan-result/scan-result.type';
import { Scan } from './scan.type';
import { ScanAttempt } from './scan-attempt.type';
import { ScanConnection } from './scan-connection.type';
import { ScanErrorInfo } from './scan-error.type';
import { ScanFilter } from './scan-filter.input';
import { ScanStep } from './scan-step.type';
import { StartScanInput } from './start-scan.input';
import { StartScanPayload } from './start-scan.payload';
import { StartScansInput } from './start-scans.input';
import { StartScansPayload } from './start-scans.payload';

/** The stored (code, message) pair of a scan, step or attempt, as served. */
function errorInfo(row: {
  errorCode: string | null;
  errorMessage: string | null;
}): ScanErrorInfo | null {
  return row.errorCode
    ? { code: row.errorCode as ScanErrorCode, message: row.errorMessage ?? '' }
    : null;
}

@Resolver(() => Scan)
export class ScanResolver {
  @Authorized(Role.VIEWER)
  @Query(() => Scan, { nullable: true, description: 'One scan by id; null when there is none.' })
  async scan(@Arg('id', () => ID) id: string, @Ctx() ctx: AppContext): Promise<Scan | null> {
    return ctx.scans.get(ctx.em, id);
  }

  @Authorized(Role.VIEWER)
  @Query(() => ScanConnection, { description: 'Scans, newest first.' })
  async scans(
    @Ctx() ctx: AppContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ScanFilter, { nullable: true }) filter?: ScanFilter,
  ): Promise<ScanConnection> {
    return ctx.scans.list(ctx.em, filter, page);
  }

  @Authorized(Role.VIEWER)
  @Query(() => ScanConnection, {
    description:
      "Finished scans (COMPLETED, PARTIAL, FAILED, CANCELLED), newest first. ADMIN sees everyone's; other roles their own.",
  })
  async scanHistory(
    @Ctx() ctx: AppContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('hostname', () => String, { nullable: true }) hostname?: string,
  ): Promise<ScanConnection> {
    return ctx.scans.history(ctx.em, ctx.principal, hostname, page);
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => StartScanPayload, {
    description: 'Queues a scan and returns it at once, PENDING.',
  })
  async startScan(
    @Arg('input', () => StartScanInput) input: StartScanInput,
    @Ctx() ctx: AppContext,
  ): Promise<StartScanPayload> {
    return { scan: await ctx.scans.start(ctx.principal, input) };
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => StartScansPayload, {
    description:
      'Queues one scan per target (1 to 1000) and returns them at once, PENDING, in input order; a target that cannot start gets its own error and the others start. Counts as one call and one target per scan against the rate limit.',
  })
  async startScans(
    @Arg('input', () => StartScansInput) input: StartScansInput,
    @Ctx() ctx: AppContext,
  ): Promise<StartScansPayload> {
    return ctx.scans.startMany(ctx.principal, input);
  }

  @Authorized(Role.OPERATOR)
  @Mutation(() => Scan, {
    description:
      'Cancels a pending scan at once, or asks the worker running it to stop. INVALID_STATE when already finished.',
  })
  async cancelScan(@Arg('id', () => ID) id: string, @Ctx() ctx: AppContext): Promise<Scan> {
    return ctx.scans.cancel(id);
  }

  @FieldResolver(() => Host)
  async host(@Root() scan: Scan, @Ctx() ctx: AppContext): Promise<Host> {
    const host = await ctx.loaders.hostById.load(scan.hostId);
    if (!host) throw notFound('host', scan.hostId);
    return host;
  }

  @FieldResolver(() => [ScanStep], {
    description: 'The steps of the current (or last) attempt, in order.',
  })
  async steps(@Root() scan: Scan, @Ctx() ctx: AppContext): Promise<ScanStep[]> {
    const steps = await ctx.loaders.stepsByScanId.load(scan.id);
    return steps.map((s) => ({
      position: s.position,
      name: s.name,
      status: s.status,
      startedAt: s.startedAt,
      completedAt: s.completedAt,
      durationMs:
        s.startedAt && s.completedAt ? s.completedAt.getTime() - s.startedAt.getTime() : null,
      error: errorInfo(s),
    }));
  }

  @FieldResolver(() => [ScanAttempt], {
    description:
      'Every attempt so far, oldest first, with the worker that ran it and why it ended.',
  })
  async attempts(@Root() scan: Scan, @Ctx() ctx: AppContext): Promise<ScanAttempt[]> {
    const rows = await ctx.loaders.attemptsByScanId.load(scan.id);
    return rows.map((a) => ({
      attempt: a.attempt,
      workerId: a.workerId,
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      outcome: a.outcome,
      error: errorInfo(a),
    }));
  }

  @FieldResolver(() => ScanResult, {
    nullable: true,
    description: 'What the probes found so far; null before any step finished.',
  })
  async result(@Root() scan: Scan, @Ctx() ctx: AppContext): Promise<ScanResultData | null> {
    return ctx.loaders.resultByScanId.load(scan.id);
  }

  @FieldResolver(() => ScanChanges, {
    nullable: true,
    description:
      'What changed since the previous finished scan of the same host and type; null for the host’s first, and for a scan that did not end COMPLETED or PARTIAL.',
  })
  async changes(@Root() scan: Scan, @Ctx() ctx: AppContext): Promise<ScanChangesData | null> {
    // Stored only with a count: no read for the scans that have none.
    if (scan.changeCount === null) return null;
    return ctx.loaders.changesByScanId.load(scan.id);
  }

  @FieldResolver(() => ScanErrorInfo, {
    nullable: true,
    description: 'Why the scan failed (or was cancelled).',
  })
  error(@Root() scan: Scan): ScanErrorInfo | null {
    return errorInfo(scan);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'From start to end of the last attempt; null until finished.',
  })
  durationMs(@Root() scan: Scan): number | null {
    return scan.startedAt && scan.completedAt
      ? scan.completedAt.getTime() - scan.startedAt.getTime()
      : null;
  }
}
