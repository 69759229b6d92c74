import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';

import { Role } from '../common/enums';
import { PageArgs } from '../common/page.args';
import type { AppContext } from '../context';
import { Scan } from '../scan/scan.type';
import { ScanConnection } from '../scan/scan-connection.type';
import { Host } from './host.type';

@Resolver(() => Host)
export class HostResolver {
  @Authorized(Role.VIEWER)
  @Query(() => Host, { nullable: true, description: 'A host by name and port (22 by default).' })
  async host(
    @Arg('hostname', () => String) hostname: string,
    @Ctx() ctx: AppContext,
    @Arg('port', () => Int, { nullable: true }) port?: number,
  ): Promise<Host | null> {
    return ctx.hosts.find(ctx.em, hostname, port);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Host, {
    description:
      'Pins the SSH host key a host must present (after a legitimate key change, or before a first scan under HOST_KEY_POLICY=strict).',
  })
  async trustHostKey(
    @Arg('hostname', () => String) hostname: string,
    @Arg('port', () => Int) port: number,
    @Arg('fingerprint', () => String, { description: 'As `ssh-keygen -lf` prints it: SHA256:...' })
    fingerprint: string,
    @Ctx() ctx: AppContext,
  ): Promise<Host | null> {
    return ctx.hosts.trust(ctx.em, hostname, port, fingerprint);
  }

  @FieldResolver(() => Scan, { nullable: true, description: 'The newest scan of this host.' })
  async lastScan(@Root() host: Host, @Ctx() ctx: AppContext): Promise<Scan | null> {
    return ctx.scans.lastForHost(ctx.em, host.id);
  }

  @FieldResolver(() => ScanConnection, { description: 'Scans of this host, newest first.' })
  async scans(
    @Root() host: Host,
    @Ctx() ctx: AppContext,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<ScanConnection> {
    return ctx.scans.listForHost(ctx.em, host.id, page);
  }
}
