import type http from 'node:http';

import {
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  specifiedRules,
  type ValidationRule,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';

import type { Authenticator, Principal } from '../auth/authenticator';
import { bearerToken } from '../auth/tokens';
import type { EventHub } from '../events/hub';
import type { AppContext } from '../graphql/context';
import type { Logger } from '../logger';
import { apiError } from '../services/errors';
import { DocumentCache } from './documents';
import { originAllowed, QUERY_LIMITS } from './hardening';
import { formatError } from './http';
import { type LiveSocket, LiveSubscriptions } from './live-subscriptions';
import { serveGraphqlWs } from './ws-server';

/** What the graphql-ws endpoint at `/graphql` needs besides the HTTP server it upgrades. */
export interface WebSocketApiOptions {
  readonly schema: GraphQLSchema;
  /** Checks the bearer token of `connection_init` and, per key, whether it is revoked. */
  readonly authenticator: Authenticator;
  /** Revocations close the key's sockets; after a reconnect the tracked keys are re-checked. */
  readonly hub: Pick<EventHub, 'onApiKeyRevoked' | 'onReconnect'>;
  /** Builds one operation's context (its own EntityManager fork and loaders). */
  readonly context: (principal: Principal) => AppContext;
  /** Added to graphql's specified rules: the same limits as HTTP. */
  readonly validationRules: readonly ValidationRule[];
  /** WebSocket Origins allowed besides the server's own host. */
  readonly allowedOrigins: readonly string[];
  readonly log: Logger;
}

export interface WebSocketApi {
  /** Open WebSocket connections now (hostscan_websocket_connections). */
  readonly connections: number;
  /** Closes every socket with 1001 (going away) and stops accepting new ones. */
  dispose(): Promise<void>;
}

/** Per-socket state graphql-ws keeps in `ctx.extra`. */
type SocketState = LiveSocket;

/**
 * What graphql-ws's onNext hook does to every result, and the shared fan-out
 * to each event's: errors masked as over HTTP; a request refused before
 * execution (variable coercion: no data, no path) is the client's input.
 */
export function formatNext(result: ExecutionResult): ExecutionResult | FormattedExecutionResult {
  if (!result.errors?.length) return result;
  const requestError = result.data === undefined;
  return {
    ...result,
    errors: result.errors.map((e) => {
      const json = e.toJSON();
      if (requestError && !json.path && !json.extensions?.code) {
        return formatError({
          ...json,
          extensions: { ...json.extensions, code: 'BAD_USER_INPUT' },
        });
      }
      return formatError(json);
    }),
  };
}

/** Serves graphql-ws on `httpServer`'s upgrades at `/graphql`. */
export function attachWebSocketApi(
  httpServer: http.Server,
  options: WebSocketApiOptions,
): WebSocketApi {
  const { schema, authenticator, log } = options;
  const rules = [...specifiedRules, ...options.validationRules];
  const allowedOrigins = [...options.allowedOrigins];
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: QUERY_LIMITS.maxMessageBytes,
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) =>
      originAllowed(origin || undefined, req.headers.host, allowedOrigins),
  });
  const sockets = trackRevocations(options);
  const documents = new DocumentCache(schema, rules);
  /** One operation's context; with its socket, a subscriber cut off for not reading drops it. */
  const operationContext = (principal: Principal, socket: WebSocket | null): AppContext =>
    Object.assign(options.context(principal), {
      dropConnection: socket
        ? () => {
            log.info(
              { keyId: principal.keyId },
              'closing the WebSocket of a subscriber that stopped reading',
            );
            socket.terminate();
          }
        : undefined,
    });
  const live = new LiveSubscriptions({
    schema,
    documents,
    context: operationContext,
    formatNext,
    maxOperationsPerSocket: QUERY_LIMITS.maxSubscriptionsPerSocket,
    log,
  });

  const cleanup = serveGraphqlWs<{ authorization?: unknown }, SocketState>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const principal = await authenticator
          .authenticate(bearerToken(ctx.connectionParams?.authorization))
          .catch(() => null);
        // graphql-ws closes with CloseCode.Forbidden when onConnect returns false.
        if (!principal) return false;
        ctx.extra.principal = principal;
        const keyId = principal.keyId;
        const socket = ctx.extra.socket;
        // Closed while we authenticated: nothing to track.
        if (socket.readyState !== socket.OPEN) return false;
        if (keyId) {
          sockets.track(keyId, socket);
          // A revocation that landed between authenticate() and track() would
          // have missed this socket: check once more now it is tracked.
          if (await authenticator.isRevoked(keyId).catch(() => false)) return false;
        }
        // graphql-ws acknowledges right after this: subscribes may take the shared path.
        ctx.extra.acknowledged = true;
        return true;
      },
      // Parse and validate here with the same limits as HTTP: Apollo's rules do
      // not see WebSocket operations.
      onSubscribe: (ctx, _id, payload) => {
        // The gate counts this operation too, from its subscribe until
        // graphql-ws is done with it, whichever way it ends.
        if (ctx.extra.gate.size > QUERY_LIMITS.maxSubscriptionsPerSocket) {
          return [
            apiError(
              'BAD_USER_INPUT',
              `at most ${QUERY_LIMITS.maxSubscriptionsPerSocket} operations per connection`,
            ),
          ];
        }
        const prepared = documents.prepare(payload.query, payload.operationName);
        if (!prepared.ok) return [...prepared.errors];
        return {
          schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: operationContext(ctx.extra.principal!, ctx.extra.socket),
        };
      },
      // Apollo's formatError does not see WebSocket traffic: apply the same masking here.
      onError: (_ctx, _id, _payload, errors) => {
        log.debug({ errors: errors.map((e) => e.message) }, 'websocket operation error');
        return errors.map((e) => formatError(e.toJSON()));
      },
      onNext: (_ctx, _id, _payload, _args, result) => formatNext(result),
    },
    wsServer,
    (base) => base,
    log,
    live,
  );

  return {
    get connections() {
      return wsServer.clients.size;
    },
    async dispose() {
      log.debug('closing WebSockets');
      await cleanup.dispose();
      log.debug('WebSockets closed');
    },
  };
}

/**
 * Open sockets per API key, so a revoked key loses its live subscriptions.
 * Sockets of the admin token (no key id) are never tracked.
 */
function trackRevocations(options: WebSocketApiOptions) {
  const { hub, authenticator, log } = options;
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const closeKey = (keyId: string) => {
    for (const socket of socketsByKey.get(keyId) ?? []) {
      socket.close(CloseCode.Forbidden, 'Forbidden');
    }
    socketsByKey.delete(keyId);
  };
  hub.onApiKeyRevoked(closeKey);
  // After a LISTEN outage, revocations sent meanwhile were not heard: ask.
  hub.onReconnect(() => {
    const keyIds = [...socketsByKey.keys()];
    if (keyIds.length === 0) return;
    authenticator.revokedAmong(keyIds).then(
      (revoked) => revoked.forEach(closeKey),
      (e: unknown) => log.warn({ err: e }, 'could not re-check revoked keys'),
    );
  });
  return {
    /** Tracks `socket` under `keyId` until it closes. */
    track(keyId: string, socket: WebSocket): void {
      const set = socketsByKey.get(keyId) ?? new Set<WebSocket>();
      set.add(socket);
      socketsByKey.set(keyId, set);
      socket.once('close', () => {
        set.delete(socket);
        if (set.size === 0) socketsByKey.delete(keyId);
      });
    },
  };
}
