/**
 * GraphQL over HTTP for the CLI: one POST per operation with the bearer
 * token, a deadline on each, a cap on the answer's size, and every failure
 * turned into a CliError a person can act on.
 */
import { CliError, ExitCode } from './exit';

/** Where the API is and how to reach it. */
export interface ApiOptions {
  /** The GraphQL endpoint, http(s)://…/graphql. */
  url: string;
  /** The bearer token; undefined sends none (and the server answers UNAUTHENTICATED). */
  token: string | undefined;
  /** Deadline per HTTP request and for the WebSocket handshake, in milliseconds. */
  timeoutMs: number;
}

/** One GraphQL error as the server sends it. */
export interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string; scanId?: string; [key: string]: unknown };
}

/** A GraphQL error answer that is the operation's own outcome, not a transport failure. */
export class GraphQLRequestError extends CliError {
  constructor(
    message: string,
    exitCode: ExitCode,
    readonly errors: GraphQLErrorJson[],
  ) {
    super(message, exitCode);
    this.name = 'GraphQLRequestError';
  }

  /** The first error's extensions.code. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** Largest answer body read, in bytes: far over any page the CLI asks for. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Error codes that mean "fix how you call me", reported as usage errors (exit 3). */
const USAGE_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT']);

export class Api {
  constructor(readonly options: ApiOptions) {}

  /**
   * Runs one query or mutation and returns its `data`.
   *
   * @throws CliError(USAGE) when the API cannot be reached, does not answer
   *   within `timeoutMs`, does not speak GraphQL, or refuses the token, role
   *   or input; GraphQLRequestError(FAILED) for any other GraphQL error.
   */
  async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const { url, token, timeoutMs } = this.options;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      throw connectionError(url, timeoutMs, e);
    }
    let text: string;
    try {
      text = await readCapped(res, MAX_RESPONSE_BYTES);
    } catch (e) {
      throw connectionError(url, timeoutMs, e);
    }
    let body: { data?: T | null; errors?: GraphQLErrorJson[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new CliError(
        `${url} answered HTTP ${res.status} without GraphQL JSON: is it a hostscan API? (${snippet(text)})`,
        ExitCode.USAGE,
      );
    }
    if (body.errors?.length) throw this.explain(body.errors);
    if (!res.ok || body.data == null)
      throw new CliError(`${url} answered HTTP ${res.status} with no data`, ExitCode.USAGE);
    return body.data;
  }

  /** The CliError for a GraphQL error answer. */
  private explain(errors: GraphQLErrorJson[]): GraphQLRequestError {
    const first = errors[0]!;
    const code = first.extensions?.code;
    const text = errors.map((e) => e.message).join('; ');
    let message: string;
    if (code === 'UNAUTHENTICATED') {
      message = this.options.token
        ? `the server refused the token (UNAUTHENTICATED): check HOSTSCAN_TOKEN or --token`
        : `no token: set HOSTSCAN_TOKEN or pass --token (the server said: ${text})`;
    } else if (code === 'FORBIDDEN') {
      message = `your token's role may not do this (FORBIDDEN): ${text}`;
    } else {
      message = code ? `${text} (${code})` : text;
    }
    return new GraphQLRequestError(
      message,
      code && USAGE_CODES.has(code) ? ExitCode.USAGE : ExitCode.FAILED,
      errors,
    );
  }
}

/** A transport failure as a sentence: refused, unknown host, timed out, reset. */
export function connectionError(url: string, timeoutMs: number, e: unknown): CliError {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError')
    return new CliError(
      `no answer from ${url} within ${timeoutMs / 1000} s (raise it with --timeout)`,
      ExitCode.USAGE,
      { cause: e },
    );
  const code = err?.cause?.code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused (is the service running on that port?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host name not found'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : (err?.cause?.message ?? err?.message ?? String(e));
  return new CliError(`cannot reach ${url}: ${why}`, ExitCode.USAGE, { cause: e });
}

/** The body as text, refusing to buffer more than `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`the answer is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one || 'empty body';
}
