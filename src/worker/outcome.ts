import { ScanErrorCode, type ScanFailure } from '../domain/errors';
import { ScanStatus } from '../domain/states';
import type { FinishOptions } from '../queue/lease';

/**
 * Why a running scan was told to stop (the AbortSignal's reason).
 * `database-lost`: the database stayed unreachable for as long as the lease
 * could be valid; the attempt writes nothing more and the reaper re-queues it.
 */
export type StopReason =
  { kind: 'cancel' } | { kind: 'lease-lost' } | { kind: 'shutdown' } | { kind: 'database-lost' };

/** What had stopped the scan from outside by the time it ended. */
export interface Stopping {
  /** Why the worker told the scan to stop; null if it did not. */
  stop: StopReason['kind'] | null;
  /** Whether the scan ran past its own timeout. */
  timedOut: boolean;
  timeoutSeconds: number;
}

/** An attempt that never connected to its host. */
export interface UnconnectedEnd extends Stopping {
  connected: false;
  /** Why connecting failed (toScanError of what was thrown). */
  error: ScanFailure & { readonly retryable: boolean };
  attempt: number;
  maxAttempts: number;
}

/** An attempt that connected and ran its steps, all or some. */
export interface StepsEnd extends Stopping {
  connected: true;
  /** Steps the scan has. */
  total: number;
  succeeded: number;
  failures: readonly ScanFailure[];
  /** The step failure that lost the connection and ended the run early. */
  connectionFailure: ScanFailure | null;
}

export type ScanEnd = UnconnectedEnd | StepsEnd;

/**
 * What the attempt writes last. `retry`: re-queue with backoff, spending the
 * attempt; `release`: re-queue at once without spending it; `abandon`: write
 * nothing, since another attempt owns the scan or the database is gone.
 */
export type Verdict =
  | ({ kind: 'finish' } & FinishOptions)
  | { kind: 'retry'; failure: ScanFailure }
  | { kind: 'release' }
  | { kind: 'abandon' };

export const percent = (done: number, total: number): number => Math.floor((100 * done) / total);

/** The failure a stop stands for: a timeout, a cancel, or the worker's own reasons. */
export function stopFailure(s: Stopping): ScanFailure | null {
  if (s.timedOut) {
    return { code: ScanErrorCode.SCAN_TIMEOUT, message: `scan exceeded ${s.timeoutSeconds} s` };
  }
  if (s.stop === 'cancel') return { code: ScanErrorCode.CANCELLED, message: 'cancelled' };
  if (s.stop) return { code: ScanErrorCode.INTERNAL, message: `stopped: ${s.stop}` };
  return null;
}

/** Decides how an attempt ends. Pure: the caller applies the verdict. */
export function decideOutcome(end: ScanEnd): Verdict {
  if (end.stop === 'database-lost') return { kind: 'abandon' };
  // Interrupted by the worker, not failed: the next attempt runs it all again.
  if (end.stop === 'shutdown') return { kind: 'release' };
  return end.connected ? afterSteps(end) : afterConnectFailure(end);
}

function afterConnectFailure(end: UnconnectedEnd): Verdict {
  if (end.stop === 'lease-lost') return { kind: 'abandon' };
  const failure = stopFailure(end) ?? { code: end.error.code, message: end.error.message };
  const retryable = end.error.retryable && failure.code !== ScanErrorCode.SCAN_TIMEOUT;
  if (retryable && end.attempt < end.maxAttempts) return { kind: 'retry', failure };
  const status =
    failure.code === ScanErrorCode.CANCELLED ? ScanStatus.CANCELLED : ScanStatus.FAILED;
  return { kind: 'finish', status, progress: 0, failure, message: failure.message };
}

function afterSteps(end: StepsEnd): Verdict {
  const { total, succeeded, failures, connectionFailure } = end;
  const progress = percent(succeeded + failures.length, total);
  const stopped = stopFailure(end);
  if (stopped?.code === ScanErrorCode.CANCELLED) {
    return {
      kind: 'finish',
      status: ScanStatus.CANCELLED,
      progress,
      failure: stopped,
      message: 'cancelled',
    };
  }
  if (stopped) {
    return {
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress,
      failure: stopped,
      message: stopped.message,
    };
  }
  if (connectionFailure) {
    return {
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress,
      failure: connectionFailure,
      message: 'connection lost',
    };
  }
  if (failures.length === 0) {
    return {
      kind: 'finish',
      status: ScanStatus.COMPLETED,
      progress: 100,
      failure: null,
      message: 'completed',
    };
  }
  // UNSUPPORTED_OS is the scan's verdict, not just one step's: say so on the scan.
  const unsupported = failures.find((f) => f.code === ScanErrorCode.UNSUPPORTED_OS) ?? null;
  if (succeeded === 0) {
    return {
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 100,
      failure: unsupported ?? failures[0]!,
      message: 'every step failed',
    };
  }
  return {
    kind: 'finish',
    status: ScanStatus.PARTIAL,
    progress: 100,
    failure: unsupported,
    message: `${failures.length} of ${total} steps failed`,
  };
}
