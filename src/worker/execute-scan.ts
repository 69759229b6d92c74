import type pg from 'pg';

import type { WorkerConfig } from '../config';
import { DatabaseUnavailableError } from '../db/pg-errors';
import { CONNECTION_ERROR_CODES, type ScanFailure, toScanError } from '../domain/errors';
import type { Logger } from '../logger';
import { probesFor } from '../probes';
import { type ProbeEvent, runProbes } from '../probes/runner';
import { type Lease, LeaseLostError } from '../queue/lease';
import type { HostTransport } from '../transport';
import { delayFor, SCAN_RETRY } from '../util/backoff';
import { openTransport } from './connect';
import { decideOutcome, percent, type ScanEnd, stopFailure, type StopReason } from './outcome';

const stopKind = (stop: AbortSignal): StopReason['kind'] | null =>
  stop.aborted ? (stop.reason as StopReason).kind : null;

export interface ExecuteDeps {
  pgPool: pg.Pool;
  config: WorkerConfig;
  /** Bound to the attempt already (scanId, attempt, workerId): executeScan adds only `step`. */
  log: Logger;
  /** Asks the worker to try claiming again after `ms` (a retry's backoff). */
  wakeAfter?: (ms: number) => void;
}

/**
 * Runs one claimed scan to its end: connect, one step per probe, then the
 * terminal write (see decideOutcome). A failing probe fails only its step
 * (the scan ends PARTIAL); a connection-level failure ends the scan FAILED,
 * or re-queues it with backoff when a later attempt may succeed. `stop`
 * carries a StopReason.
 */
export async function executeScan(
  lease: Lease,
  deps: ExecuteDeps,
  stop: AbortSignal,
): Promise<void> {
  const { config, log } = deps;
  const scan = lease.scan;
  const probes = probesFor(scan.type, { refreshMetadata: scan.refresh_metadata });
  const total = probes.length;
  const deadline = AbortSignal.timeout(scan.timeout_seconds * 1000);
  const signal = AbortSignal.any([stop, deadline]);
  const stopping = () => ({
    stop: stopKind(stop),
    timedOut: deadline.aborted,
    timeoutSeconds: scan.timeout_seconds,
  });

  await lease.resetSteps(probes.map((p) => p.name));

  let transport: HostTransport;
  try {
    transport = await openTransport(
      deps.pgPool,
      scan,
      config,
      signal,
      (fn) => lease.retrying('read', fn),
      lease.host,
    );
  } catch (e) {
    // The database, not the host, is unreachable: write nothing (see StopReason).
    if (e instanceof DatabaseUnavailableError) throw e;
    if (stopKind(stop) === 'database-lost') throw abandonedOn(lease, e);
    const error = toScanError(e);
    log.info({ code: (stopFailure(stopping()) ?? error).code, err: e }, 'connection failed');
    const end: ScanEnd = {
      ...stopping(),
      connected: false,
      error,
      attempt: lease.attempt,
      maxAttempts: scan.max_attempts,
    };
    await applyVerdict(lease, end, deps);
    return;
  }

  const failures: ScanFailure[] = [];
  let succeeded = 0;
  let connectionFailure: ScanFailure | null = null;
  const events = runProbes(transport, probes, {
    defaultTimeoutMs: config.commandTimeoutMs,
    defaultMaxBytes: config.maxOutputBytes,
    signal,
    onFallback: (reason) =>
      log.info({ reason }, 'the host ran no probe script; running one command per probe'),
  })[Symbol.asyncIterator]();
  /** The next event, when it was asked for early (see below). */
  let ahead: Promise<IteratorResult<ProbeEvent>> | null = null;
  try {
    for (;;) {
      const r = await (ahead ?? events.next());
      ahead = null;
      if (r.done) break;
      const event = r.value;
      const { index } = event;
      const probe = probes[index]!;
      if (event.kind === 'start') {
        await lease.startStep(index, probe.name, percent(index, total));
        continue;
      }
      try {
        if (event.kind === 'failed') throw event.error;
        const part = probe.parse(event.output);
        // The next step's begin marker usually comes in the same read as
        // this step's end: then this step's finish and that step's start
        // are one write (one round trip and one commit fewer per step).
        ahead = events.next();
        ahead.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
        const next = await settledNow(ahead);
        if (next && !next.done && next.value.kind === 'start' && next.value.index === index + 1) {
          const nextStep = { position: index + 1, name: probes[index + 1]!.name };
          await lease.finishStepAndStart(
            index,
            probe.name,
            percent(index + 1, total),
            part,
            nextStep,
          );
          ahead = null;
        } else {
          await lease.finishStep(index, probe.name, percent(index + 1, total), { part });
        }
        succeeded++;
      } catch (e) {
        // Another attempt owns the scan, or may by now: write nothing more.
        if (e instanceof LeaseLostError || e instanceof DatabaseUnavailableError) throw e;
        const kind = stopKind(stop);
        if (kind === 'lease-lost') throw e;
        if (kind === 'database-lost') throw abandonedOn(lease, e);
        // Interrupted, not failed: the scan is released below and the next
        // attempt runs this step again, so record no step failure.
        if (kind === 'shutdown' && !deadline.aborted) break;
        const err = stopFailure(stopping()) ?? toScanError(e);
        failures.push({ code: err.code, message: err.message });
        log.info({ step: probe.name, code: err.code, message: err.message }, 'step failed');
        await lease.finishStep(index, probe.name, percent(index + 1, total), { failure: err });
        if (CONNECTION_ERROR_CODES.includes(err.code)) {
          connectionFailure = err;
          break;
        }
      }
    }
  } finally {
    // Ends the probe run (an early stop may leave a read pending, which the
    // closed transport settles).
    const ended = events.return?.(undefined).catch(() => undefined);
    await transport.close().catch(() => undefined);
    await ended;
  }

  if (stopKind(stop) === 'database-lost')
    throw abandonedOn(lease, new Error('the heartbeat gave up'));
  const end: ScanEnd = {
    ...stopping(),
    connected: true,
    total,
    succeeded,
    failures,
    connectionFailure,
  };
  await applyVerdict(lease, end, deps);
}

/** The attempt gives up because the database stayed away (the worker's heartbeat said so). */
function abandonedOn(lease: Lease, cause: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(lease.id, lease.attempt, cause);
}

/** Makes the one terminal write decideOutcome asks for. */
async function applyVerdict(lease: Lease, end: ScanEnd, deps: ExecuteDeps): Promise<void> {
  const verdict = decideOutcome(end);
  switch (verdict.kind) {
    case 'finish':
      await lease.finish(verdict);
      return;
    case 'retry': {
      const delay = delayFor(SCAN_RETRY, lease.attempt);
      deps.log.info(
        { code: verdict.failure.code, delayMs: delay },
        'transient connection failure; retrying later',
      );
      await lease.retryLater(delay, verdict.failure);
      deps.wakeAfter?.(delay + 10);
      return;
    }
    case 'release':
      await lease.release();
      deps.log.info('released on shutdown');
      return;
    case 'abandon':
      return;
  }
}

/**
 * What `p` settles to if it does so before the event loop's next check
 * phase (after the I/O callbacks now pending), else null; null too when it
 * rejects (whoever awaits `p` sees the rejection).
 */
function settledNow<T>(p: Promise<T>): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setImmediate(() => resolve(null));
    p.then(
      (value) => {
        clearImmediate(timer);
        resolve(value);
      },
      () => {
        clearImmediate(timer);
        resolve(null);
      },
    );
  });
}
