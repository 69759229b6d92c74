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
