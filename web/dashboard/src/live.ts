/**
 * The one graphql-ws connection of a signed-in session, to `/graphql` on this
 * origin with `connectionParams: { authorization: 'Bearer …' }`. graphql-ws
 * retries a dropped connection itself (with its own backoff); `onState`
 * hears whether the socket is up, so a view can re-read what it may have
 * missed while it was down.
 */
import { type Client, createClient } from 'graphql-ws';

import { GRAPHQL_PATH, toApiError } from './api';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface Live {
  /**
   * Starts a subscription. `next` gets each `data`; `error` gets an ApiError
   * (the subscription is over then). Returns the function that stops it.
   */
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    handlers: { next(data: T): void; error(e: Error): void; complete?(): void },
  ): () => void;
  /** Called on every change of the connection's state; returns the unsubscribe. */
  onState(listener: (state: LiveState) => void): () => void;
  /** The state now. */
  readonly state: LiveState;
  dispose(): void;
}

export function webSocketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${GRAPHQL_PATH}`;
}

export function connectLive(token: string): Live {
  const listeners = new Set<(s: LiveState) => void>();
  let state: LiveState = 'connecting';
  const set = (s: LiveState): void => {
    if (s === state) return;
    state = s;
    for (const l of listeners) l(s);
  };
  const client: Client = createClient({
    url: webSocketUrl(window.location),
    connectionParams: { authorization: `Bearer ${token}` },
    // Stay connected between subscriptions (pages open and close them).
    lazy: false,
    keepAlive: 15_000,
    connectionAckWaitTimeout: 10_000,
    retryAttempts: Infinity,
    // A refused token is final; anything else (a restart, a dropped link) is retried.
    shouldRetry: (e) => {
      const code = (e as { code?: number } | null)?.code;
      return code !== 4401 && code !== 4403;
    },
    on: {
      connected: () => set('live'),
      closed: (e) => {
        const code = (e as { code?: number } | null)?.code;
        set(code === 4401 || code === 4403 ? 'closed' : 'reconnecting');
      },
    },
  });
  return {
    subscribe(query, variables, handlers) {
      return client.subscribe(
        { query, variables },
        {
          next: (result) => {
            if (result.errors?.length) handlers.error(toApiError(result.errors));
            else if (result.data) handlers.next(result.data as never);
          },
          error: (e) => handlers.error(toApiError(e)),
          complete: () => handlers.complete?.(),
        },
      );
    },
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get state() {
      return state;
    },
    dispose() {
      listeners.clear();
      void client.dispose();
    },
  };
}
