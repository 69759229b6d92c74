import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';

import { HostEntity, ScanEntity } from '../../db/entities';
import { scanFromEntity } from '../../services/scan.mapper';
import { validateHostname, validatePort } from '../../services/validate';
import { Role } from '../common/enums';
import type { AppContext } from '../context';
import { Scan, ScanConnection } from '../scan/scan.type';
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
    return ctx.em.findOne(HostEntity, {
      hostname: validateHostname(hostname, 'hostname'),
      port: validatePort(port, 'port'),
    });
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
    const row = await ctx.hosts.trustHostKey(hostname, port, fingerprint);
    return ctx.em.findOne(HostEntity, { id: row.id }, { refresh: true });
  }

  @FieldResolver(() => Scan, { nullable: true, description: 'The newest scan of this host.' })
  async lastScan(@Root() host: Host, @Ctx() ctx: AppContext): Promise<Scan | null> {
    const e = await ctx.em.findOne(
      ScanEntity,
      { host: host.id },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return e ? scanFromEntity(e) : null;
  }

  @FieldResolver(() => ScanConnection, { description: 'Scans of this host, newest first.' })
  async scans(
    @Root() host: Host,
    @Ctx() ctx: AppContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ScanConnection> {
    return ctx.scans.listForHost(ctx.em, host.id, { first, after });
  }
}
