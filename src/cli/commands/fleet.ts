/**
 * `hostscan fleet FILE`: one scan per target line, started with the batch
 * mutation `startScans` where the server has it, else one `startScan` each.
 */
import { readFileSync } from 'node:fs';

import type { Context } from '../context';
import { printJson } from '../context';
import { START_SCAN, START_SCANS, type StartedScan } from '../documents';
import { CliError, ExitCode, exitCodeOf, worstOf } from '../exit';
import { formatDuration, table } from '../format';
import { GraphQLRequestError } from '../http';
import { formatTarget, parseTargetList, type Target } from '../target';
import { mapLimit, watchScans } from './watch';

export interface FleetOptions {
  user?: string;
  type: string;
  credential?: string;
  watch?: boolean;
  json?: boolean;
}

/** Largest target file read, in bytes (some 30,000 lines of host names). */
export const MAX_FLEET_FILE_BYTES = 1024 * 1024;

/** One target's start: its scan, or why it was refused. */
export interface Started {
  target: string;
  scan: StartedScan | null;
  error: { code: string; message: string; scanId?: string } | null;
}

export async function fleetCommand(
  ctx: Context,
  file: string,
  options: FleetOptions,
): Promise<ExitCode> {
  const targets = parseTargetList(readTargets(file), file === '-' ? 'stdin' : file);
  const inputs = targets.map((t) => targetInput(t, options));
  const started = await startAll(ctx, targets, inputs, options.type);

  // A target whose host has this scan under way already: its scan is the one to follow.
  const following = started.flatMap((s, index) =>
    s.scan
      ? [{ id: s.scan.id, label: s.target, index }]
      : s.error?.scanId
        ? [{ id: s.error.scanId, label: s.target, index }]
        : [],
  );
  if (!options.watch) {
    if (options.json) printJson(ctx, started);
    else ctx.io.stdout.write(startTable(started));
    return started.every((s) => s.scan || s.error?.scanId) ? ExitCode.OK : ExitCode.FAILED;
  }

  if (!options.json)
    for (const s of started.filter((x) => !x.scan))
      ctx.io.stderr.write(
        `${s.target}: ${s.error!.scanId ? `already under way (${s.error!.scanId}); following it` : `not started: ${s.error!.message} (${s.error!.code})`}\n`,
      );
  const scans = await watchScans(ctx, following, Boolean(options.json));
  const byIndex = new Map(following.map((f, i) => [f.index, scans[i]!]));
  const codes = started.map((_, i) => {
    const scan = byIndex.get(i);
    return scan ? exitCodeOf(scan.status) : ExitCode.FAILED;
  });
  if (options.json) {
    printJson(
      ctx,
      started.map((s, i) => ({
        target: s.target,
        scan: byIndex.get(i) ?? null,
        error: s.scan || s.error?.scanId ? null : s.error,
      })),
    );
  } else {
    const rows = started.map((s, i) => {
      const scan = byIndex.get(i);
      if (!scan) return [s.target, 'NOT STARTED', '-', `${s.error!.code}: ${s.error!.message}`];
      const failed = scan.steps.filter((st) => st.status === 'FAILED').map((st) => st.name);
      const detail = scan.error
        ? `${scan.error.code}: ${scan.error.message}`
        : [
            scan.result?.os?.prettyName,
            scan.result?.packages ? `${scan.result.packages.count} packages` : null,
            scan.result?.updates ? `${scan.result.updates.length} updates` : null,
            failed.length ? `failed: ${failed.join(', ')}` : null,
          ]
            .filter(Boolean)
            .join('; ');
      return [s.target, scan.status, formatDuration(scan.durationMs), detail];
    });
    ctx.io.stdout.write(table(['TARGET', 'STATUS', 'DURATION', 'RESULT'], rows));
  }
  return worstOf(codes);
}

function readTargets(file: string): string {
  try {
    const text = readFileSync(file === '-' ? 0 : file);
    if (text.byteLength > MAX_FLEET_FILE_BYTES)
      throw new CliError(`${file} is larger than ${MAX_FLEET_FILE_BYTES} bytes`, ExitCode.USAGE);
    return text.toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, ExitCode.USAGE, {
      cause: e,
    });
  }
}

function targetInput(t: Target, options: FleetOptions): Record<string, unknown> {
  const username = t.username ?? options.user;
  return {
    hostname: t.hostname,
    ...(t.port !== undefined ? { port: t.port } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(options.credential !== undefined ? { credentialId: options.credential } : {}),
  };
}

/**
 * Starts every target: one `startScans` call when the server knows it (a
 * server without it fails validation, and then each target gets its own
 * `startScan`, four at a time).
 */
async function startAll(
  ctx: Context,
  targets: Target[],
  inputs: Array<Record<string, unknown>>,
  type: string,
): Promise<Started[]> {
  // Labels key the progress bars: a target listed twice gets " #2" on its second line.
  const seen = new Map<string, number>();
  const labels = targets.map((t, i) => {
    const label = formatTarget({ ...t, username: inputs[i]!.username as string | undefined });
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} #${n}`;
  });
  try {
    const data = await ctx.api.request<{
      startScans: {
        results: Array<{ index: number; scan: StartedScan | null; error: Started['error'] }>;
      };
    }>(START_SCANS, { input: { targets: inputs, type } });
    note(ctx, `started with startScans (one request for ${inputs.length} targets)`);
    const started = labels.map<Started>((target) => ({
      target,
      scan: null,
      error: { code: 'ERROR', message: 'the server returned no result for this target' },
    }));
    for (const r of data.startScans.results)
      if (started[r.index])
        started[r.index] = {
          target: labels[r.index]!,
          scan: r.scan,
          error: r.scan ? null : cleanError(r.error),
        };
    return started;
  } catch (e) {
    if (!(e instanceof GraphQLRequestError) || e.code !== 'GRAPHQL_VALIDATION_FAILED') throw e;
  }
  note(ctx, `the server has no startScans: one startScan per target`);
  return mapLimit(inputs, 4, async (target, i) => {
    try {
      const data = await ctx.api.request<{ startScan: { scan: StartedScan } }>(START_SCAN, {
        input: { target, type },
      });
      return { target: labels[i]!, scan: data.startScan.scan, error: null };
    } catch (e) {
      // A refused token or an unreachable server stops the whole run; a refused target does not.
      if (
        !(e instanceof GraphQLRequestError) ||
        e.code === 'UNAUTHENTICATED' ||
        e.code === 'FORBIDDEN'
      )
        throw e;
      const first = e.errors[0]!;
      const scanId = first.extensions?.scanId;
      return {
        target: labels[i]!,
        scan: null,
        error: {
          code: first.extensions?.code ?? 'ERROR',
          message: first.message,
          ...(typeof scanId === 'string' ? { scanId } : {}),
        },
      };
    }
  });
}

/** A line for people, on stderr (so --json output on stdout stays clean). */
function note(ctx: Context, text: string): void {
  ctx.io.stderr.write(`${text}\n`);
}

function cleanError(e: Started['error']): Started['error'] {
  if (!e) return { code: 'ERROR', message: 'neither a scan nor an error came back' };
  return { code: e.code, message: e.message, ...(e.scanId ? { scanId: e.scanId } : {}) };
}

function startTable(started: Started[]): string {
  return table(
    ['TARGET', 'SCAN', 'STATUS'],
    started.map((s) =>
      s.scan
        ? [s.target, s.scan.id, s.scan.status]
        : s.error?.scanId
          ? [s.target, s.error.scanId, 'ALREADY UNDER WAY']
          : [s.target, '-', `NOT STARTED: ${s.error!.code}: ${s.error!.message}`],
    ),
  );
}
