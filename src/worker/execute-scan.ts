import type pg from 'pg';

import type { WorkerConfig } from '../config';
import { DatabaseUnavailableError } from '../db/pg-errors';
import { CONNECTION_ERROR_CODES, ScanError, ScanErrorCode, toScanError } from '../domain/errors';
import { ScanStatus } from '../domain/states';
import type { Logger } from '../logger';
import { probesFor } from '../probes';
import { type Lease, LeaseLostError } from '../queue/lease';
import type { HostTransport } from '../transport';
import { delayFor, SCAN_RETRY } from '../util/backoff';
import { openTransport } from './connect';

/**
 * Why a running scan was told to stop (the AbortSignal's reason).
 * `database-lost`: the database stayed unreachable for as long as the lease
 * could be valid; the attempt writes nothing more and the reaper re-queues it.
 */
export type StopReason =
  { kind: 'cancel' } | { kind: 'lease-lost' } | { kind: 'shutdown' } | { kind: 'database-lost' };

const stopKind = (stop: AbortSignal): StopReason['kind'] | null =>
  stop.aborted ? (stop.reason as StopReason).kind : null;

export interface ExecuteDeps {
  pool: pg.Pool;
  config: WorkerConfig;
  log: Logger;
  /** Asks the worker to try claiming again after `ms` (a retry's backoff). */
  wakeAfter?: (ms: number) => void;
}

interface StepFailure {
  code: ScanErrorCode;
  message: string;
}

const percent = (done: number, total: number): number => Math.floor((100 * done) / total);

/**
 * Runs one claimed scan to its end: connect, one step per probe, then the
 * terminal write. A failing probe fails only its step (the scan ends PARTIAL);
 * a connection-level failure ends the scan FAILED, or re-queues it with
 * backoff when a later attempt may succeed. `stop` carries a StopReason.
 */
export async function executeScan(
  lease: Lease,
  deps: ExecuteDeps,
  stop: AbortSignal,
): Promise<void> {
  const { config } = deps;
  const scan = lease.scan;
  const log = deps.log.child({ scanId: scan.id, attempt: scan.attempt, workerId: lease.workerId });
  const probes = probesFor(scan.type);
  const total = probes.length;
  const deadline = AbortSignal.timeout(scan.timeout_seconds * 1000);
  const signal = AbortSignal.any([stop, deadline]);

  const stopFailure = (): StepFailure | null => {
    if (deadline.aborted) {
      return {
        code: ScanErrorCode.SCAN_TIMEOUT,
        message: `scan exceeded ${scan.timeout_seconds} s`,
      };
    }
    if (stop.aborted) {
      const reason = stop.reason as StopReason;
      if (reason.kind === 'cancel') return { code: ScanErrorCode.CANCELLED, message: 'cancelled' };
      return { code: ScanErrorCode.INTERNAL, message: `stopped: ${reason.kind}` };
    }
    return null;
  };

  await lease.resetSteps(probes.map((p) => p.name));

  let transport: HostTransport;
  try {
    transport = await openTransport(deps.pool, scan, config, signal, (fn) =>
      lease.retrying('read', fn),
    );
  } catch (e) {
    // The database, not the host, is unreachable: write nothing (see StopReason).
    if (e instanceof DatabaseUnavailableError) throw e;
    if (stopKind(stop) === 'database-lost') throw abandonedOn(lease, e);
    const err = stopFailure() ?? toScanError(e);
    log.info({ code: err.code, err: e }, 'connection failed');
    await endWithoutSteps(lease, err, e, stop, log, deps.wakeAfter);
    return;
  }

  const failures: StepFailure[] = [];
  let succeeded = 0;
  let connectionFailure: StepFailure | null = null;
  try {
    for (let i = 0; i < total; i++) {
      if (signal.aborted) break;
      const probe = probes[i]!;
      await lease.startStep(i, probe.name, percent(i, total));
      try {
        const output = await transport.exec(probe.command, {
          timeoutMs: probe.timeoutMs ?? config.commandTimeoutMs,
          maxBytes: probe.maxBytes ?? config.maxOutputBytes,
          signal,
        });
        const part = probe.parse(output);
        await lease.finishStep(i, probe.name, percent(i + 1, total), { part });
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
        const err = stopFailure() ?? toScanError(e);
        failures.push({ code: err.code, message: err.message });
        log.info({ step: probe.name, code: err.code, message: err.message }, 'step failed');
        await lease.finishStep(i, probe.name, percent(i + 1, total), { error: err });
        if (CONNECTION_ERROR_CODES.includes(err.code)) {
          connectionFailure = err;
          break;
        }
      }
    }
  } finally {
    await transport.close().catch(() => undefined);
  }

  if (stopKind(stop) === 'database-lost')
    throw abandonedOn(lease, new Error('the heartbeat gave up'));
  const stopped = stopFailure();
  if (stopKind(stop) === 'shutdown') {
    await lease.requeue(0, null, 'released by a worker shutting down', false);
    log.info('released on shutdown');
    return;
  }
  if (stopped?.code === ScanErrorCode.CANCELLED) {
    await lease.finish(
      ScanStatus.CANCELLED,
      percent(succeeded + failures.length, total),
      stopped,
      'cancelled',
    );
    return;
  }
  if (stopped) {
    await lease.finish(
      ScanStatus.FAILED,
      percent(succeeded + failures.length, total),
      stopped,
      stopped.message,
    );
    return;
  }
  if (connectionFailure) {
    await lease.finish(
      ScanStatus.FAILED,
      percent(succeeded + failures.length, total),
      connectionFailure,
      'connection lost',
    );
    return;
  }
  if (failures.length === 0) {
    await lease.finish(ScanStatus.COMPLETED, 100, null, 'completed');
    return;
  }
  // UNSUPPORTED_OS is the scan's verdict, not just one step's: say so on the scan.
  const unsupported = failures.find((f) => f.code === ScanErrorCode.UNSUPPORTED_OS) ?? null;
  if (succeeded === 0) {
    await lease.finish(ScanStatus.FAILED, 100, unsupported ?? failures[0]!, 'every step failed');
    return;
  }
  await lease.finish(
    ScanStatus.PARTIAL,
    100,
    unsupported,
    `${failures.length} of ${total} steps failed`,
  );
}

/** The attempt gives up because the database stayed away (the worker's heartbeat said so). */
function abandonedOn(lease: Lease, cause: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(lease.id, lease.attempt, cause);
}

/** A scan that never connected: retry later if the failure is transient, else fail it. */
async function endWithoutSteps(
  lease: Lease,
  err: StepFailure,
  cause: unknown,
  stop: AbortSignal,
  log: Logger,
  wakeAfter?: (ms: number) => void,
): Promise<void> {
  if (stopKind(stop) === 'shutdown') {
    await lease.requeue(0, null, 'released by a worker shutting down', false);
    return;
  }
  if (stopKind(stop) === 'lease-lost') return;
  const retryable =
    cause instanceof ScanError && cause.retryable && err.code !== ScanErrorCode.SCAN_TIMEOUT;
  if (retryable && lease.attempt < lease.scan.max_attempts) {
    const delay = delayFor(SCAN_RETRY, lease.attempt);
    log.info({ code: err.code, delayMs: delay }, 'transient connection failure; retrying later');
    await lease.requeue(delay, err, `attempt ${lease.attempt} failed: ${err.code}; retrying`, true);
    wakeAfter?.(delay + 10);
    return;
  }
  const status = err.code === ScanErrorCode.CANCELLED ? ScanStatus.CANCELLED : ScanStatus.FAILED;
  await lease.finish(status, 0, err, err.message);
}
