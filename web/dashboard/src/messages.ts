/**
 * API errors as a person wants to read them: what happened, in plain words,
 * and what to do next. The API's own message is kept (it names the exact
 * rule), the advice comes from the error code.
 */
import type { ApiError, ApiErrorDetail } from './api';

export interface ReadableError {
  /** One line: what went wrong. */
  title: string;
  /** The API's own words, when they add something. */
  detail?: string;
  /** What to do about it. */
  advice?: string;
  /** The form field it belongs to (`hostname`, `port`, `username`, `credentialId`, `type`). */
  field?: string;
  /** SCAN_IN_PROGRESS: the scan already running, to link to. */
  scanId?: string;
}

/** `target.hostname` → `hostname`: the form's own names for the API's input paths. */
function formField(apiField: string | undefined): string | undefined {
  if (!apiField) return undefined;
  const last = apiField.split('.').pop();
  return last === 'hostname' ||
    last === 'port' ||
    last === 'username' ||
    last === 'credentialId' ||
    last === 'type'
    ? last
    : undefined;
}

/** The API's message without the `field: ` prefix it puts on input errors. */
function bare(d: ApiErrorDetail): string {
  return d.field && d.message.startsWith(`${d.field}: `)
    ? d.message.slice(d.field.length + 2)
    : d.message;
}

export function readable(d: ApiErrorDetail): ReadableError {
  switch (d.code) {
    case 'UNAUTHENTICATED':
      return {
        title: 'Your token was not accepted.',
        detail: d.message,
        advice:
          'Check that you pasted the whole token and that it has not been revoked, then sign in again.',
      };
    case 'FORBIDDEN':
      return {
        title: 'Your token’s role does not allow this.',
        detail: d.message,
        advice:
          'Starting and cancelling scans needs an OPERATOR or ADMIN token; ask an administrator for one.',
      };
    case 'BAD_USER_INPUT': {
      const field = formField(d.field);
      return {
        title: field ? `${labelOf(field)} ${bare(d)}.` : `The request was refused: ${d.message}.`,
        field,
        advice: field ? `Correct the ${labelOf(field)} field and try again.` : undefined,
      };
    }
    case 'GRAPHQL_VALIDATION_FAILED':
      return {
        title: 'The request was refused as malformed.',
        detail: d.message,
        advice: 'Check the values you entered (the port must be a whole number).',
      };
    case 'SCAN_IN_PROGRESS':
      return {
        title: 'A scan of this type is already running for this host.',
        detail: d.message,
        advice: 'Follow that scan, or cancel it before starting another.',
        scanId: d.scanId,
      };
    case 'INVALID_STATE':
      return {
        title: 'That scan has already finished.',
        detail: d.message,
        advice: 'Nothing to cancel: its final status is in the table.',
      };
    case 'NOT_FOUND':
      return { title: 'Not found.', detail: d.message, advice: 'It may have been deleted.' };
    case 'RATE_LIMITED':
      return {
        title: 'Too many scans started in a short time.',
        detail: d.message,
        advice:
          d.retryAfterSeconds !== undefined
            ? `Wait ${d.retryAfterSeconds} s, then try again.`
            : 'Wait a little, then try again.',
      };
    case 'NETWORK':
      return {
        title: 'The hostscan API could not be reached.',
        detail: d.message,
        advice: 'Check that the service is running and your network is up, then try again.',
      };
    default:
      return {
        title: 'Something went wrong on the server.',
        detail: d.message,
        advice: 'Try again; if it keeps happening, the service log has the details.',
      };
  }
}

export function readableAll(e: ApiError): ReadableError[] {
  return e.details.map(readable);
}

const LABELS: Record<string, string> = {
  hostname: 'Host',
  port: 'Port',
  username: 'User',
  credentialId: 'Credential',
  type: 'Type',
};

export function labelOf(field: string): string {
  return LABELS[field] ?? field;
}

/** A scan's or step's error code in plain words, with what usually helps. */
export function scanErrorAdvice(code: string): string | undefined {
  switch (code) {
    case 'CONNECTION_REFUSED':
      return 'Nothing accepted the connection: check the host and port, and that sshd runs.';
    case 'CONNECTION_TIMEOUT':
      return 'The host did not answer in time: check the address and any firewall.';
    case 'DNS_FAILURE':
      return 'The host name could not be resolved: check its spelling.';
    case 'AUTH_FAILED':
      return 'The login was refused: check the user and the credential.';
    case 'HOST_KEY_MISMATCH':
      return 'The host presented a different SSH key than the pinned one. If the change is legitimate, an admin can trust the new key (trustHostKey).';
    case 'HOST_KEY_UNKNOWN':
      return 'No host key is pinned and the policy is strict: an admin must trust the key first.';
    case 'COMMAND_TIMEOUT':
      return 'A command on the host took too long.';
    case 'SCAN_TIMEOUT':
      return 'The whole scan took longer than its deadline.';
    case 'WORKER_LOST':
      return 'The worker running the scan stopped answering; start the scan again.';
    case 'UNSUPPORTED_OS':
      return 'The host is not a Linux system with /proc.';
    case 'OUTPUT_LIMIT':
      return 'A command printed more than the service keeps.';
    default:
      return undefined;
  }
}
