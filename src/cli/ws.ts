/**
 * graphql-ws for the CLI: one WebSocket per session, with a handshake
 * deadline, a cap on message size, a ping every few seconds whose missing
 * pong closes the socket, and a follow() that picks a scan's stream up again
 * from the last seq it saw when the socket drops.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { CliError, ExitCode } from './exit';
import { connectionError, type GraphQLErrorJson, GraphQLRequestError } from './http';

export interface WsOptions {
  /** The GraphQL endpoint as for HTTP; http(s) becomes ws(s). */
  url: string;
  token: string | undefined;
  /** Deadline for the WebSocket handshake and for the server's connection_ack, in ms. */
  timeoutMs: number;
  /** How often to ping the server, in ms; a pong missing for as long again closes the socket. @default 10000 */
  keepAliveMs?: number;
}

/** Largest WebSocket message accepted, in bytes (a progress event is well under 1 KiB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The ws URL of an http(s) GraphQL endpoint. */
export function wsUrlOf(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

/** One scanProgress event, as the CLI selects it. */
export interface ProgressEvent {
  seq: number;
  status: string;
  progress: number;
  step: string | null;
  message: string | null;
}

export const PROGRESS = `subscription Progress($id: ID!, $afterSeq: Int) {
  scanProgress(id: $id, afterSeq: $afterSeq) { seq status progress step message }
}`;

/**
 * A lazily opened graphql-ws client, replaced by a new one after reset().
 * The generation number lets several subscriptions that saw the same socket
 * drop reset it once, not once each.
 */
export class WsSession {
  private current: { client: Client; generation: number } | undefined;
  private generation = 0;

  constructor(private readonly options: WsOptions) {}

  get(): { client: Client; generation: number } {
    this.current ??= { client: this.open(), generation: ++this.generation };
    return this.current;
  }

  /** Drops the client of `generation` (if still current) so the next get() opens a new one. */
  reset(generation: number): void {
    if (this.current?.generation !== generation) return;
    void this.current.client.dispose();
    this.current = undefined;
  }

  async dispose(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.client.dispose();
  }

  private open(): Client {
    const { timeoutMs, token } = this.options;
    const keepAliveMs = this.options.keepAliveMs ?? 10_000;
    // graphql-ws constructs the socket itself: a subclass passes ws its options.
    class TimedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { handshakeTimeout: timeoutMs, maxPayload: MAX_MESSAGE_BYTES });
      }
    }
    let socket: WebSocket | undefined;
    let pongTimer: NodeJS.Timeout | undefined;
    return createClient({
      url: wsUrlOf(this.options.url),
      webSocketImpl: TimedWebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      lazy: true,
      retryAttempts: 0, // follow() resumes from the last seq itself
      connectionAckWaitTimeout: timeoutMs,
      keepAlive: keepAliveMs,
      on: {
        connected: (s) => (socket = s as WebSocket),
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => {
            if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Pong timeout');
          }, keepAliveMs);
          pongTimer.unref();
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        closed: () => clearTimeout(pongTimer),
      },
    });
  }
}

export interface FollowOptions {
  /** Called for each new event, in seq order, none twice. */
  onEvent(event: ProgressEvent): void;
  /** Called before each attempt to pick the stream up again, with why it dropped. */
  onReconnect?(attempt: number, why: string): void;
  /** Attempts after a dropped socket before giving up. @default 5 */
  maxReconnects?: number;
}

/**
 * Follows one scan's scanProgress stream to its end and resolves with the
 * last event (null if the stream completed with none).
 *
 * @throws CliError(USAGE) when the server refuses the token on the socket or
 *   the socket cannot be (re)opened after `maxReconnects` tries;
 *   GraphQLRequestError for a GraphQL error (an unknown scan id, say).
 */
export function follow(
  session: WsSession,
  options: Pick<WsOptions, 'url' | 'timeoutMs'>,
  id: string,
  handlers: FollowOptions,
): Promise<ProgressEvent | null> {
  const maxReconnects = handlers.maxReconnects ?? 5;
  return new Promise((resolve, reject) => {
    let last: ProgressEvent | null = null;
    let reconnects = 0;
    const subscribe = (): void => {
      const { client, generation } = session.get();
      client.subscribe<{ scanProgress: ProgressEvent }>(
        { query: PROGRESS, variables: last ? { id, afterSeq: last.seq } : { id } },
        {
          next: (result) => {
            if (result.errors?.length) {
              reject(graphqlErrors(result.errors as GraphQLErrorJson[]));
              return;
            }
            const event = result.data?.scanProgress;
            if (!event || (last && event.seq <= last.seq)) return;
            last = event;
            reconnects = 0;
            handlers.onEvent(event);
          },
          error: (e) => {
            const failure = classify(e, options);
            if (failure.retry && reconnects < maxReconnects) {
              reconnects++;
              session.reset(generation);
              handlers.onReconnect?.(reconnects, failure.error.message);
              setTimeout(subscribe, Math.min(8_000, 500 * 2 ** (reconnects - 1)));
              return;
            }
            reject(failure.error);
          },
          complete: () => resolve(last),
        },
      );
    };
    subscribe();
  });
}

function graphqlErrors(errors: GraphQLErrorJson[]): GraphQLRequestError {
  const code = errors[0]?.extensions?.code;
  const text = errors.map((e) => e.message).join('; ');
  return new GraphQLRequestError(
    code ? `${text} (${code})` : text,
    code === 'BAD_USER_INPUT' ? ExitCode.USAGE : ExitCode.FAILED,
    errors,
  );
}

/** What a graphql-ws error sink got (GraphQL errors, a CloseEvent or an error event), and whether to retry. */
function classify(
  e: unknown,
  options: Pick<WsOptions, 'url' | 'timeoutMs'>,
): { error: CliError; retry: boolean } {
  if (Array.isArray(e)) return { error: graphqlErrors(e as GraphQLErrorJson[]), retry: false };
  const ev = e as { code?: unknown; reason?: string; error?: unknown; message?: string };
  if (typeof ev?.code === 'number') {
    const reason = ev.reason ? `: ${ev.reason}` : '';
    if (ev.code === 4401 || ev.code === 4403)
      return {
        error: new CliError(
          `the server refused the token on the WebSocket (${ev.code}${reason}): check HOSTSCAN_TOKEN or --token`,
          ExitCode.USAGE,
        ),
        retry: false,
      };
    if (ev.code === 4400 || ev.code === 4500 || ev.code === 4429)
      return {
        error: new CliError(
          `the server closed the WebSocket (${ev.code}${reason})`,
          ExitCode.FAILED,
        ),
        retry: false,
      };
    return {
      error: new CliError(
        `lost the WebSocket to ${wsUrlOf(options.url)} (${ev.code}${reason})`,
        ExitCode.USAGE,
      ),
      retry: true,
    };
  }
  // An error event: the socket did not open (refused, handshake timeout, TLS).
  const cause = ev?.error ?? e;
  const err = connectionError(wsUrlOf(options.url), options.timeoutMs, {
    name: (cause as Error)?.name,
    message: (cause as Error)?.message ?? ev?.message,
    cause,
  });
  return { error: err, retry: true };
}
