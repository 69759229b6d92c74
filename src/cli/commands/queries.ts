/** `hostscan history HOST`, `hostscan cancel ID`, `hostscan workers`. */
import type { Context } from '../context';
import { printJson } from '../context';
import {
  CANCEL_SCAN,
  HISTORY,
  type HistoryItem,
  type HostRef,
  type WorkerItem,
  WORKERS,
} from '../documents';
import { ExitCode } from '../exit';
import { formatDuration, hostPort, table } from '../format';
import { parseTarget } from '../target';

export async function historyCommand(
  ctx: Context,
  host: string,
  options: { limit: number; json?: boolean },
): Promise<ExitCode> {
  const target = parseTarget(host);
  const data = await ctx.api.request<{
    scanHistory: { totalCount: number; edges: Array<{ node: HistoryItem }> };
  }>(HISTORY, { hostname: target.hostname, first: options.limit });
  // scanHistory is by host name: a port given narrows it here.
  const items = data.scanHistory.edges
    .map((e) => e.node)
    .filter((n) => target.port === undefined || n.host.port === target.port);
  if (options.json) {
    printJson(ctx, items);
    return ExitCode.OK;
  }
  if (items.length === 0) {
    ctx.io.stderr.write(`no finished scans of ${host}\n`);
    return ExitCode.OK;
  }
  ctx.io.stdout.write(
    table(
      ['FINISHED', 'HOST', 'TYPE', 'STATUS', 'DURATION', 'BY', 'ID', 'ERROR'],
      items.map((n) => [
        n.completedAt ? n.completedAt.replace('T', ' ').slice(0, 19) : '-',
        hostPort(n.host),
        n.type,
        n.status,
        formatDuration(n.durationMs),
        n.requestedBy,
        n.id,
        n.error ? `${n.error.code}: ${n.error.message}` : '',
      ]),
    ),
  );
  if (data.scanHistory.totalCount > data.scanHistory.edges.length)
    ctx.io.stderr.write(
      `(${data.scanHistory.edges.length} newest of ${data.scanHistory.totalCount}; --limit shows more)\n`,
    );
  return ExitCode.OK;
}

export async function cancelCommand(
  ctx: Context,
  id: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  const { cancelScan } = await ctx.api.request<{
    cancelScan: { id: string; status: string; cancelRequestedAt: string | null; host: HostRef };
  }>(CANCEL_SCAN, { id });
  if (options.json) printJson(ctx, cancelScan);
  else
    ctx.io.stdout.write(
      cancelScan.status === 'CANCELLED'
        ? `scan ${id} of ${hostPort(cancelScan.host)}: CANCELLED\n`
        : `scan ${id} of ${hostPort(cancelScan.host)}: cancel requested; the worker stops it after its current command (${cancelScan.status} now)\n`,
    );
  return ExitCode.OK;
}

export async function workersCommand(ctx: Context, options: { json?: boolean }): Promise<ExitCode> {
  const { workers } = await ctx.api.request<{ workers: WorkerItem[] }>(WORKERS);
  if (options.json) {
    printJson(ctx, workers);
    return ExitCode.OK;
  }
  if (workers.length === 0) {
    ctx.io.stderr.write('no workers: scans stay PENDING until one starts\n');
    return ExitCode.OK;
  }
  ctx.io.stdout.write(
    table(
      ['ID', 'STATE', 'HOSTNAME', 'RUNNING', 'POOLS', 'LAST SEEN'],
      workers.map((w) => [
        w.id,
        w.state,
        w.hostname,
        `${w.running}/${w.concurrency}`,
        w.pools.join(','),
        w.lastSeenAt.replace('T', ' ').slice(0, 19),
      ]),
    ),
  );
  return ExitCode.OK;
}
