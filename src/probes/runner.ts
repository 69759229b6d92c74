import { type ScanError, toScanError } from '../domain/errors';
import type { CommandOutput, HostTransport } from '../transport';
import type { Probe } from './probe';
import { ScriptRun } from './script-run';

/** What happens to the probes of a scan, in order. */
export type ProbeEvent =
  | { readonly kind: 'start'; readonly index: number }
  | { readonly kind: 'output'; readonly index: number; readonly output: CommandOutput }
  | { readonly kind: 'failed'; readonly index: number; readonly error: ScanError };

export interface RunProbesOptions {
  /** A probe's deadline when it names none (COMMAND_TIMEOUT_MS). */
  readonly defaultTimeoutMs: number;
  /** A probe's output cap when it names none (MAX_OUTPUT_BYTES), per stream. */
  readonly defaultMaxBytes: number;
  /** Aborting fails the probe in progress with CANCELLED and ends the run. */
  readonly signal: AbortSignal;
  /** Told once when the host gave no frames and each probe gets its own channel. */
  readonly onFallback?: (reason: string) => void;
}

/**
 * Runs `probes` on one channel: one probe script on `sh -s` (see
 * buildProbeScript), its frames read as they stream in, so each probe's
 * events come as soon as it finishes. Each probe has its own deadline and
 * output cap. A probe that outlives its local deadline is reported
 * COMMAND_TIMEOUT and the rest continue on a new channel; a host that gives
 * no frames at all (a ForceCommand, a shell that refuses `sh -s`) gets one
 * exec per probe instead. Yields `start` then `output` or `failed` for each
 * probe it reaches; stops after a failure when `signal` has aborted.
 */
export async function* runProbes(
  transport: HostTransport,
  probes: readonly Probe[],
  options: RunProbesOptions,
): AsyncGenerator<ProbeEvent> {
  // A run that ends early may already have said the next probe started (its
  // begin marker came first); the run after it starts that probe again.
  const started = new Set<number>();
  for await (const event of allRuns(transport, probes, options)) {
    if (event.kind === 'start') {
      if (started.has(event.index)) continue;
      started.add(event.index);
    }
    yield event;
  }
}

/** Script runs (and the fallback) until every probe is reported or the signal aborts. */
async function* allRuns(
  transport: HostTransport,
  probes: readonly Probe[],
  options: RunProbesOptions,
): AsyncGenerator<ProbeEvent> {
  let next = 0;
  let framesSeen = false;
  while (next < probes.length && !options.signal.aborted) {
    const run = new ScriptRun(transport, probes, next, options);
    for await (const event of run.events()) {
      yield event;
      if (event.kind !== 'start') next = event.index + 1;
    }
    framesSeen ||= run.framed;
    if (!framesSeen && run.fallbackWanted()) {
      options.onFallback?.(run.endReason());
      yield* execEach(transport, probes, next, options);
      return;
    }
    if (run.failedWithoutProgress(next)) {
      // The script keeps dying before this probe: fail it rather than loop.
      yield { kind: 'start', index: next };
      yield { kind: 'failed', index: next, error: run.noProgressError(probes[next]!.name) };
      next += 1;
    }
  }
}

/** The old path: one exec channel per probe, for hosts where the script gives no frames. */
async function* execEach(
  transport: HostTransport,
  probes: readonly Probe[],
  from: number,
  options: RunProbesOptions,
): AsyncGenerator<ProbeEvent> {
  for (let index = from; index < probes.length && !options.signal.aborted; index++) {
    const probe = probes[index]!;
    yield { kind: 'start', index };
    try {
      const output = await transport.exec(probe.command, {
        timeoutMs: probe.timeoutMs ?? options.defaultTimeoutMs,
        maxBytes: probe.maxBytes ?? options.defaultMaxBytes,
        signal: options.signal,
      });
      yield { kind: 'output', index, output };
    } catch (e) {
      yield { kind: 'failed', index, error: toScanError(e) };
    }
  }
}
