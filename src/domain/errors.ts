import { types } from 'node:util';

/**
 * Codes a scan (or one of its steps) can fail with. Public contract: clients
 * switch on these strings.
 */
export const ScanErrorCode = Object.freeze({
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  CONNECTION_TIMEOUT: 'CONNECTION_TIMEOUT',
  DNS_FAILURE: 'DNS_FAILURE',
  AUTH_FAILED: 'AUTH_FAILED',
  HOST_KEY_MISMATCH: 'HOST_KEY_MISMATCH',
  HOST_KEY_UNKNOWN: 'HOST_KEY_UNKNOWN',
  COMMAND_TIMEOUT: 'COMMAND_TIMEOUT',
  COMMAND_FAILED: 'COMMAND_FAILED',
  PARSE_ERROR: 'PARSE_ERROR',
  SCAN_TIMEOUT: 'SCAN_TIMEOUT',
  CANCELLED: 'CANCELLED',
  WORKER_LOST: 'WORKER_LOST',
  UNSUPPORTED_OS: 'UNSUPPORTED_OS',
  OUTPUT_LIMIT: 'OUTPUT_LIMIT',
  INTERNAL: 'INTERNAL',
} as const);
export type ScanErrorCode = (typeof ScanErrorCode)[keyof typeof ScanErrorCode];

/** Failures of the connection itself: the scan cannot go on and ends FAILED. */
export const CONNECTION_ERROR_CODES: readonly ScanErrorCode[] = Object.freeze([
  ScanErrorCode.CONNECTION_REFUSED,
  ScanErrorCode.CONNECTION_TIMEOUT,
  ScanErrorCode.DNS_FAILURE,
  ScanErrorCode.AUTH_FAILED,
  ScanErrorCode.HOST_KEY_MISMATCH,
  ScanErrorCode.HOST_KEY_UNKNOWN,
]);

/** Why a scan or one of its steps failed, as stored on the row. */
export interface ScanFailure {
  code: ScanErrorCode;
  message: string;
}

/**
 * An error that knows which ScanErrorCode describes it. Anything thrown during
 * a scan is normalised to this before it is stored.
 */
export class ScanError extends Error {
  readonly code: ScanErrorCode;
  /** Whether a later attempt might succeed (refused, timed out, reset). */
  readonly retryable: boolean;

  constructor(
    code: ScanErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScanError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Turns anything thrown into an Error (graphile-worker's coerceError habit). */
export function toError(e: unknown): Error {
  // isNativeError also recognises errors from another realm (Node's own under jest).
  if (e instanceof Error || types.isNativeError(e)) return e as Error;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}

export function toScanError(e: unknown): ScanError {
  if (e instanceof ScanError) return e;
  const err = toError(e);
  return new ScanError(ScanErrorCode.INTERNAL, err.message, { cause: err });
}
