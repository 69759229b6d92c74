import type { ScanStatus, ScanType, Transport } from '../domain/states';

/**
 * A scan as services hand it to the API, whichever store it was read from
 * (an ORM entity or a queue row: see scan.mapper.ts). The GraphQL `Scan`
 * type implements this shape.
 */
export interface ScanRecord {
  id: string;
  hostId: string;
  type: ScanType;
  status: ScanStatus;
  transport: Transport;
  /** Percent of steps finished, 0 to 100. */
  progress: number;
  currentStep: string | null;
  /** From 1 once claimed; 0 while never claimed. */
  attempt: number;
  maxAttempts: number;
  priority: number;
  timeoutSeconds: number;
  /** The worker pool that may run the scan. */
  pool: string;
  /** PATCHES: the package manager's metadata is refreshed before the query. */
  refreshMetadata: boolean;
  requestedBy: string;
  workerId: string | null;
  username: string | null;
  lastSeq: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  cancelRequestedAt: Date | null;
  /** Changes since the previous finished scan of the host and type; null when none was compared. */
  changeCount: number | null;
}

/** Where and how to scan: the target of a start request. */
export interface ScanTarget {
  readonly hostname: string;
  readonly port?: number | null;
  readonly username?: string | null;
  readonly credentialId?: string | null;
  readonly transport?: Transport | null;
}

/** A request to start one scan; unset options take the server's defaults. */
export interface StartScanRequest {
  readonly target: ScanTarget;
  readonly type: ScanType;
  readonly timeoutSeconds?: number | null;
  readonly idempotencyKey?: string | null;
  readonly priority?: number | null;
  readonly pool?: string | null;
  /** PATCHES only: refresh package metadata first, where the login may. Default false. */
  readonly refreshMetadata?: boolean | null;
}

/** Which scans a listing returns; every set criterion must match. */
export interface ScanListFilter {
  readonly status?: readonly ScanStatus[] | null;
  readonly type?: readonly ScanType[] | null;
  readonly hostname?: string | null;
}

/** Most targets one startScans call may name. */
export const MAX_BATCH_TARGETS = 1000;

/**
 * A request to start one scan of each target, all with the same type and
 * options. With `idempotencyKey`, target i is stored under `key#i`:
 * repeating the batch (same targets, same order) returns the same scans.
 */
export interface StartScansRequest {
  readonly targets: readonly ScanTarget[];
  readonly type: ScanType;
  readonly timeoutSeconds?: number | null;
  readonly idempotencyKey?: string | null;
  readonly priority?: number | null;
  readonly pool?: string | null;
  readonly refreshMetadata?: boolean | null;
}

/** Why one target of a batch did not start. */
export interface StartScanFailure {
  readonly code: 'BAD_USER_INPUT' | 'SCAN_IN_PROGRESS';
  readonly message: string;
  /** BAD_USER_INPUT: the input field at fault, e.g. `targets[3].port`. */
  readonly field: string | null;
  /** SCAN_IN_PROGRESS: the active scan of that host and type, when it was still active. */
  readonly scanId: string | null;
}

/** One target's outcome: exactly one of `scan` and `error` is set. */
export interface StartScanOutcome {
  /** The target's position in the request, from 0. */
  readonly index: number;
  readonly scan: ScanRecord | null;
  readonly error: StartScanFailure | null;
}

export interface StartScansOutcome {
  /** One per target, in request order. */
  readonly results: readonly StartScanOutcome[];
  /** Targets with a scan (new, or the first one of a repeated idempotency key). */
  readonly startedCount: number;
  /** Targets with an error. */
  readonly failedCount: number;
}
