import type http from 'node:http';

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type pg from 'pg';

import type { Authenticator, Principal } from '../auth/authenticator';
import { bearerToken } from '../auth/tokens';
import type { AppContext } from '../graphql/context';
import { apiError } from '../services/errors';
import { mountDashboard } from './dashboard';
import { QUERY_LIMITS, withoutSuggestions } from './hardening';
import { mountPlayground } from './playground';
import { type ProbeOptions, probeRoutes } from './probes';

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

/** What the HTTP side needs: GraphQL over POST at `/graphql`, and `/healthz`. */
export interface HttpApiOptions {
  readonly schema: GraphQLSchema;
  /** `/healthz` answers 503 when a `select 1` on it fails. */
  readonly pgPool: pg.Pool;
  /** Every `/graphql` request needs a bearer token it accepts, else UNAUTHENTICATED. */
  readonly authenticator: Authenticator;
  /** Builds one request's context (its own EntityManager fork and loaders). */
  readonly context: (principal: Principal) => AppContext;
  /** Added to Apollo's own validation. */
  readonly validationRules: readonly ValidationRule[];
  /** Schema introspection over HTTP. */
  readonly introspection: boolean;
  /** Runs while Apollo drains the server: closes what else lives on it (the WebSockets). */
  readonly drain: () => Promise<void>;
  /** `/readyz` and `/metrics` (probes.ts). */
  readonly probes: ProbeOptions;
}

export interface HttpApi {
  /** Starts Apollo and mounts `/graphql`; call once, before the server listens. */
  start(): Promise<void>;
  /** Stops Apollo (draining HTTP, then `drain`); if never started, only closes the server. */
  stop(): Promise<void>;
}

/** Serves the Express app on `httpServer`'s requests. */
export function attachHttpApi(httpServer: http.Server, options: HttpApiOptions): HttpApi {
  const { authenticator, pgPool } = options;
  const app = express();
  app.disable('x-powered-by');
  httpServer.on('request', app);

  const apollo = new ApolloServer<AppContext>({
    schema: options.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection,
    validationRules: [...options.validationRules],
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Our own two-stage shutdown (src/bin/run.ts) stops Apollo after the worker drains.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Its landing page loads Apollo Sandbox from a CDN; browsers get our
      // own bundled GraphiQL instead (mountPlayground).
      ApolloServerPluginLandingPageDisabled(),
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
          return { drainServer: () => options.drain() };
        },
      },
    ],
  });

  app.get('/healthz', async (_req, res) => {
    try {
      await pgPool.query('select 1');
      res.status(200).json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(probeRoutes(options.probes));

  mountPlayground(app);
  mountDashboard(app);

  let started = false;
  return {
    async start() {
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
            return options.context(principal);
          },
        }),
      );
      app.use(bodyErrors);
    },
    async stop() {
      if (started) await apollo.stop();
      else httpServer.close();
    },
  };
}

/**
 * Bodies that never reach GraphQL (too large, not JSON, bad UTF-8) still get
 * a GraphQL-shaped, typed error instead of Express's HTML page.
 */
function bodyErrors(
  err: { status?: number; type?: string },
  _req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
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
}
