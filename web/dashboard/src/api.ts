/**
 * Queries and mutations over plain fetch to `/graphql` on this origin, with
 * the signed-in token as `Authorization: Bearer …`. Every failure becomes an
 * ApiError: a GraphQL error keeps its `extensions.code` (and `field`,
 * `scanId`, `retryAfterSeconds` where the API sets them); a network failure
 * or timeout gets the code NETWORK.
 */

export const GRAPHQL_PATH = '/graphql';

/** A request that takes longer than this is aborted and reported as NETWORK. */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface ApiErrorDetail {
  message: string;
  code: string;
  /** The input field the API named (e.g. `target.hostname`), when it named one. */
  field?: string;
  /** For SCAN_IN_PROGRESS: the scan already running for that host and type. */
  scanId?: string;
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  readonly details: readonly ApiErrorDetail[];
  constructor(details: readonly ApiErrorDetail[]) {
    super(details.map((d) => d.message).join('; '));
    this.name = 'ApiError';
    this.details = details;
  }
  /** The first error's code. */
  get code(): string {
    return this.details[0]?.code ?? 'UNKNOWN';
  }
}

interface RawError {
  message?: unknown;
  extensions?: Record<string, unknown>;
}

function detailOf(e: RawError): ApiErrorDetail {
  const ext = e.extensions ?? {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    message: str(e.message) ?? 'unknown error',
    code: str(ext.code) ?? 'UNKNOWN',
    field: str(ext.field),
    scanId: str(ext.scanId),
    retryAfterSeconds:
      typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : undefined,
  };
}

/** Turns a graphql-ws error (an Error, a list of GraphQL errors, or a CloseEvent) into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (Array.isArray(e)) return new ApiError(e.map((x) => detailOf(x as RawError)));
  if (typeof e === 'object' && e !== null && 'code' in e && 'reason' in e) {
    const close = e as { code: number; reason: string };
    const code = close.code === 4401 || close.code === 4403 ? 'UNAUTHENTICATED' : 'NETWORK';
    return new ApiError([{ code, message: close.reason || `connection closed (${close.code})` }]);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError([{ code: 'NETWORK', message }]);
}

/**
 * Runs one operation. Resolves with `data` when there are no errors;
 * rejects with an ApiError otherwise (a partial result counts as an error).
 */
export async function graphql<T>(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
    throw new ApiError([
      {
        code: 'NETWORK',
        message: timedOut
          ? `no answer from the API within ${REQUEST_TIMEOUT_MS / 1000} s`
          : 'the API could not be reached',
      },
    ]);
  }
  let body: { data?: T | null; errors?: RawError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError([
      { code: 'NETWORK', message: `the API answered ${response.status} without a GraphQL body` },
    ]);
  }
  if (body.errors?.length) throw new ApiError(body.errors.map(detailOf));
  if (body.data === undefined || body.data === null)
    throw new ApiError([{ code: 'UNKNOWN', message: 'the API answered with no data' }]);
  return body.data;
}
