import { toError } from '../domain/errors';

/**
 * Named SQLSTATEs this code branches on (PostgreSQL's errcodes, appendix A
 * of its manual), so no bare five-character code appears elsewhere.
 */
export const PG_ERROR = Object.freeze({
  UNIQUE_VIOLATION: '23505',
  INVALID_CATALOG_NAME: '3D000',
  DUPLICATE_DATABASE: '42P04',
  UNDEFINED_TABLE: '42P01',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  IDLE_IN_TRANSACTION_SESSION_TIMEOUT: '25P03',
} as const);

/** The SQLSTATE of a pg error (`e.code`), or undefined for anything else. */
export function pgErrorCode(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const { code } = e as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a pg integrity error names (`e.constraint`), if any. */
export function pgConstraint(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const { constraint } = e as { constraint?: unknown };
  return typeof constraint === 'string' ? constraint : undefined;
}

/**
 * Thrown when the database stayed unreachable for as long as this worker's
 * lease could still be valid: the attempt is abandoned, writing nothing, and
 * the reaper re-queues the scan once the lease has expired.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly scanId: string,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(
      `database unreachable for the rest of the lease on scan ${scanId} attempt ${attempt}: ${toError(cause).message}`,
      { cause },
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * SQLSTATEs of a session the server ended: admin_shutdown, crash_shutdown,
 * cannot_connect_now, idle_in_transaction_session_timeout (a process that
 * stalled inside a transaction; a fresh one may still be in time).
 */
const SERVER_GONE_CODES = new Set<string>([
  PG_ERROR.ADMIN_SHUTDOWN,
  PG_ERROR.CRASH_SHUTDOWN,
  PG_ERROR.CANNOT_CONNECT_NOW,
  PG_ERROR.IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
]);
/** Socket-level failures to reach or keep talking to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
]);
/** What pg and pg-pool say when a connection cannot be had or dies under a query. */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout|the database system is (starting up|shutting down|in recovery|not yet accepting connections)/i;

/**
 * Whether `e` means the database could not be reached or dropped the
 * connection (restart, failover, network), as opposed to a statement that
 * failed. Looks through `cause` chains and AggregateErrors (a host name that
 * resolves to several addresses).
 */
export function isDatabaseConnectionError(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 5) return false;
  if (e instanceof DatabaseUnavailableError) return true;
  const { code, message, cause, errors } = e as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (code.startsWith('08') && code.length === 5) return true;
    if (SERVER_GONE_CODES.has(code) || SOCKET_CODES.has(code)) return true;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((x) => isDatabaseConnectionError(x, depth + 1)))
    return true;
  return isDatabaseConnectionError(cause, depth + 1);
}
