import http from 'node:http';

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type pg from 'pg';
import { type WebSocket, WebSocketServer } from 'ws';

import type { Authenticator, Principal } from '../auth/authenticator';
import { bearerToken } from '../auth/tokens';
import type { EventHub } from '../events/hub';
import type { AppContext } from '../graphql/context';
import { createLoaders } from '../graphql/loaders';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { apiError } from '../services/errors';
import { originAllowed, QUERY_LIMITS, validationRules, withoutSuggestions } from './hardening';

export interface ApiDeps {
  schema: GraphQLSchema;
  orm: MikroORM;
  pool: pg.Pool;
  hub: EventHub;
  services: Services;
  authenticator: Authenticator;
  log: Logger;
  /** Schema introspection on HTTP and WebSocket. */
  introspection: boolean;
  /** WebSocket Origins allowed besides the server's own host. */
  allowedOrigins: string[];
}

export interface ApiServer {
  httpServer: http.Server;
  listen(port: number, host: string): Promise<number>;
  /** Drains HTTP, closes WebSockets (1001 going away). */
  stop(): Promise<void>;
}

/**
 * Client-facing errors keep their code and message, never a stack trace;
 * anything without a code (a bug, a driver error that may quote SQL or data)
 * is masked as INTERNAL_SERVER_ERROR.
 */
export function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, message: withoutSuggestions(formatted.message), extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export function createApiServer(deps: ApiDeps): ApiServer {
  const { schema, orm, pool, hub, services, authenticator, log } = deps;
  const rules = validationRules({ introspection: deps.introspection });
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: QUERY_LIMITS.maxMessageBytes,
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) =>
      originAllowed(origin || undefined, req.headers.host, deps.allowedOrigins),
  });

  const makeContext = (principal: Principal): AppContext => {
    const em = orm.em.fork();
    return { principal, em, loaders: createLoaders(em), hub, ...services };
  };

  // Open sockets per API key, so a revoked key loses its live subscriptions.
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const closeKey = (keyId: string) => {
    for (const socket of socketsByKey.get(keyId) ?? []) socket.close(4403, 'Forbidden');
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

  const wsCleanup = useServer<
    { authorization?: unknown },
    { principal?: Principal; subscriptions?: number }
  >(
    {
      schema,
      // Never put an internal error's text into a close reason.
      isProd: true,
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const principal = await authenticator
          .authenticate(bearerToken(ctx.connectionParams?.authorization))
          .catch(() => null);
        if (!principal) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.principal = principal;
        const keyId = principal.keyId;
        const socket = ctx.extra.socket;
        // Closed while we authenticated: nothing to track.
        if (socket.readyState !== socket.OPEN) return false;
        if (keyId) {
          const set = socketsByKey.get(keyId) ?? new Set<WebSocket>();
          set.add(socket);
          socketsByKey.set(keyId, set);
          socket.once('close', () => {
            set.delete(socket);
            if (set.size === 0) socketsByKey.delete(keyId);
          });
          // A revocation that landed between authenticate() and the line above
          // would have missed this socket: check once more now it is tracked.
          if (await authenticator.isRevoked(keyId).catch(() => false)) return false;
        }
        return true;
      },
      // Parse and validate here with the same limits as HTTP: Apollo's rules do
      // not see WebSocket operations.
      onSubscribe: (ctx, _id, payload) => {
        const active = ctx.extra.subscriptions ?? 0;
        if (active >= QUERY_LIMITS.maxSubscriptionsPerSocket) {
          return [
            apiError(
              'BAD_USER_INPUT',
              `at most ${QUERY_LIMITS.maxSubscriptionsPerSocket} operations per connection`,
            ),
          ];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: QUERY_LIMITS.maxTokens });
        } catch (e) {
          const message = e instanceof GraphQLError ? e.message : 'cannot parse the query';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(schema, document, [...specifiedRules, ...rules]);
        if (errors.length > 0) {
          return errors.map(
            (e) =>
              new GraphQLError(withoutSuggestions(e.message), {
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          );
        }
        ctx.extra.subscriptions = active + 1;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: {
            ...makeContext(ctx.extra.principal!),
            dropConnection: () => {
              log.info(
                { keyId: ctx.extra.principal?.keyId },
                'closing the WebSocket of a subscriber that stopped reading',
              );
              ctx.extra.socket.terminate();
            },
          },
        };
      },
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, (ctx.extra.subscriptions ?? 1) - 1);
      },
      // Apollo's formatError does not see WebSocket traffic: apply the same masking here.
      onError: (_ctx, _id, _payload, errors) => {
        log.debug({ errors: errors.map((e) => e.message) }, 'websocket operation error');
        return errors.map((e) => formatError(e.toJSON()));
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        // No data and no path: the request itself was refused before execution
        // (variable coercion), which is the client's input, not our failure.
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
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<AppContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: deps.introspection,
    validationRules: rules,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Our own two-stage shutdown (src/run.ts) stops Apollo after the worker drains.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        // Subscriptions live on the WebSocket at the same path.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation }) {
              if (operation?.operation === 'subscription') {
                throw new GraphQLError(
                  'subscriptions run over graphql-ws (WebSocket) on this path',
                  {
                    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
                  },
                );
              }
            },
          };
        },
      },
      {
        async serverWillStart() {
          return {
            async drainServer() {
              log.debug('closing WebSockets');
              await wsCleanup.dispose();
              log.debug('WebSockets closed');
            },
          };
        },
      },
    ],
  });

  app.get('/healthz', async (_req, res) => {
    try {
      await pool.query('select 1');
      res.status(200).json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });

  let started = false;
  return {
    httpServer,
    async listen(port, host) {
      await apollo.start();
      started = true;
      app.use(
        '/graphql',
        express.json({ limit: QUERY_LIMITS.maxBodyBytes }),
        expressMiddleware(apollo, {
          context: async ({ req }) => {
            const principal = await authenticator.authenticate(
              bearerToken(req.headers.authorization),
            );
            if (!principal) throw apiError('UNAUTHENTICATED', 'a valid bearer token is required');
            return makeContext(principal);
          },
        }),
      );
      // Bodies that never reach GraphQL (too large, not JSON, bad UTF-8) still
      // get a GraphQL-shaped, typed error instead of Express's HTML page.
      app.use(
        (
          err: { status?: number; type?: string },
          _req: express.Request,
          res: express.Response,
          next: express.NextFunction,
        ) => {
          if (res.headersSent) return next(err);
          const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
          const message =
            status === 413
              ? `request body over ${QUERY_LIMITS.maxBodyBytes} bytes`
              : status < 500
                ? 'malformed request body'
                : 'Internal server error';
          res.status(status).json({
            errors: [
              {
                message,
                extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' },
              },
            ],
          });
        },
      );
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const address = httpServer.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async stop() {
      log.debug(
        { connections: await new Promise((r) => httpServer.getConnections((_e, n) => r(n))) },
        'stopping API',
      );
      if (started) await apollo.stop();
      else httpServer.close();
      log.debug('API stopped');
    },
  };
}
