/** `hostscan scan HOST[:PORT]` and `hostscan watch ID`. */
import type { Context } from '../context';
import { printJson } from '../context';
import { START_SCAN, type StartedScan } from '../documents';
import { CliError, ExitCode, exitCodeOf } from '../exit';
import { scanSummary } from '../format';
import { GraphQLRequestError } from '../http';
import { formatTarget, parseTarget } from '../target';
import { watchScans } from './watch';

export interface ScanOptions {
  user?: string;
  type: string;
  credential?: string;
  priority?: number;
  watch?: boolean;
  json?: boolean;
}

export async function scanCommand(
  ctx: Context,
  targetText: string,
  options: ScanOptions,
): Promise<ExitCode> {
  const target = parseTarget(targetText);
  const username = target.username ?? options.user;
  const input = {
    type: options.type,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    target: {
      hostname: target.hostname,
      ...(target.port !== undefined ? { port: target.port } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(options.credential !== undefined ? { credentialId: options.credential } : {}),
    },
  };
  const label = formatTarget({ ...target, username });
  let scan: StartedScan;
  try {
    ({
      startScan: { scan },
    } = await ctx.api.request<{ startScan: { scan: StartedScan } }>(START_SCAN, { input }));
  } catch (e) {
    const existing = e instanceof GraphQLRequestError && e.errors[0]?.extensions?.scanId;
    if (!existing) throw e;
    if (!options.watch)
      throw new CliError(
        `${label} already has a ${options.type} scan under way: ${String(existing)} (hostscan watch ${String(existing)} follows it)`,
        ExitCode.FAILED,
      );
    // The host already has this type of scan under way: following it is what was asked.
    ctx.io.stderr.write(`${label}: a ${options.type} scan is already under way; following it\n`);
    scan = { id: String(existing), status: 'RUNNING' };
  }
  if (!options.watch) {
    // stdout is the id alone, for `ID=$(hostscan scan …)`; the sentence is for people.
    if (options.json) printJson(ctx, scan);
    else {
      ctx.io.stdout.write(`${scan.id}\n`);
      ctx.io.stderr.write(
        `Started ${options.type} scan of ${label}: ${scan.status}. Follow it with: hostscan watch ${scan.id}\n`,
      );
    }
    return ExitCode.OK;
  }
  return watchOne(ctx, scan.id, label, Boolean(options.json));
}

/** `hostscan watch ID`: follows an existing scan. */
export async function watchCommand(
  ctx: Context,
  id: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  return watchOne(ctx, id, `scan ${id.slice(0, 8)}`, Boolean(options.json));
}

async function watchOne(ctx: Context, id: string, label: string, json: boolean): Promise<ExitCode> {
  const [scan] = await watchScans(ctx, [{ id, label }], json);
  if (!scan) throw new CliError(`scan ${id} not found`, ExitCode.FAILED);
  if (json) printJson(ctx, scan);
  else ctx.io.stdout.write(scanSummary(scan));
  return exitCodeOf(scan.status);
}
