import { ScanError, ScanErrorCode, toError } from '../domain/errors';

/** What the host verifier decided, so a "Host denied" error can be told apart. */
export type HostKeyRejection = 'mismatch' | 'unknown';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'EAI_ADDRFAMILY']);
/** A resolver that timed out or is briefly down may answer next time. */
const DNS_TRANSIENT_CODES = new Set(['EAI_AGAIN']);
/** No answer, or the path or peer went away: a later attempt may get through. */
const UNREACHABLE_CODES = new Set([
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
]);

function errnoCode(err: Error): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

/** ssh2 tags its errors with `level` (client-socket, client-timeout, handshake, ...). */
function ssh2Level(err: Error): string | undefined {
  const level = (err as Error & { level?: unknown }).level;
  return typeof level === 'string' ? level : undefined;
}

/** Maps a socket-level error (from `net.connect` or ssh2's `client-socket`). */
export function mapSocketError(e: unknown, target: string): ScanError {
  const err = toError(e);
  const code = errnoCode(err);
  if (code !== undefined && (DNS_CODES.has(code) || DNS_TRANSIENT_CODES.has(code))) {
    return new ScanError(ScanErrorCode.DNS_FAILURE, `cannot resolve ${target}: ${code}`, {
      cause: err,
      retryable: DNS_TRANSIENT_CODES.has(code),
    });
  }
  if (code === 'ECONNREFUSED') {
    return new ScanError(ScanErrorCode.CONNECTION_REFUSED, `connection refused by ${target}`, {
      cause: err,
      retryable: true,
    });
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `${target} unreachable: ${code}`, {
      cause: err,
      retryable: true,
    });
  }
  // EACCES, EADDRNOTAVAIL, EINVAL...: local misconfiguration that retrying won't fix.
  return new ScanError(
    ScanErrorCode.CONNECTION_TIMEOUT,
    `cannot connect to ${target}: ${err.message}`,
    { cause: err, retryable: false },
  );
}

/**
 * Maps an error ssh2's Client emitted before or after `ready`.
 * `rejection` is set when our own host verifier turned the key down.
 */
export function mapSsh2Error(
  e: unknown,
  target: string,
  rejection: HostKeyRejection | undefined,
): ScanError {
  const err = toError(e);
  const level = ssh2Level(err);
  if (rejection === 'mismatch') {
    return new ScanError(
      ScanErrorCode.HOST_KEY_MISMATCH,
      `host key of ${target} does not match the pinned fingerprint`,
      { cause: err },
    );
  }
  if (rejection === 'unknown') {
    return new ScanError(
      ScanErrorCode.HOST_KEY_UNKNOWN,
      `host key of ${target} is not pinned and the policy is strict`,
      { cause: err },
    );
  }
  switch (level) {
    case 'client-socket':
      return mapSocketError(err, target);
    case 'client-dns':
      return new ScanError(ScanErrorCode.DNS_FAILURE, `cannot resolve ${target}`, { cause: err });
    case 'client-timeout':
      // Handshake readyTimeout or keepalive: the peer stopped answering.
      return new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `${target}: ${err.message}`, {
        cause: err,
        retryable: true,
      });
    case 'client-authentication':
      return new ScanError(ScanErrorCode.AUTH_FAILED, `authentication to ${target} failed`, {
        cause: err,
      });
    case 'protocol':
      if (/Connection lost before handshake/i.test(err.message)) {
        // A server throttling unauthenticated connections (MaxStartups) drops
        // them right after accept: worth another try.
        return new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `${target}: ${err.message}`, {
          cause: err,
          retryable: true,
        });
      }
      break;
    default:
      break;
  }
  // Handshake and protocol failures (no common algorithm, not an SSH server,
  // bad packet). ScanErrorCode has no protocol code; CONNECTION_REFUSED, not
  // retryable, is the closest: the server will not talk to us as configured.
  return new ScanError(
    ScanErrorCode.CONNECTION_REFUSED,
    `SSH handshake with ${target} failed: ${err.message}`,
    { cause: err, retryable: false },
  );
}
