import http from 'node:http';

import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { GraphQLSchema } from 'graphql';
import type pg from 'pg';

import type { Authenticator, Principal } from '../auth/authenticator';
import type { EventHub } from '../events/hub';
import type { AppContext } from '../graphql/context';
import { createLoaders, type Loaders } from '../graphql/loaders';
import type { Logger } from '../logger';
import { addScrapeSources, ScanStatsReader } from '../metrics';
import type { Services } from '../services';
import { validationRules } from './hardening';
import { attachHttpApi } from './http';
import { attachWebSocketApi } from './websocket';

export interface ApiDeps {
  readonly schema: GraphQLSchema;
  readonly orm: MikroORM;
  readonly pgPool: pg.Pool;
  readonly hub: EventHub;
  readonly services: Services;
  readonly authenticator: Authenticator;
  readonly log: Logger;
  /** Schema introspection on HTTP and WebSocket. */
  readonly introspection: boolean;
  /** WebSocket Origins allowed besides the server's own host. */
  readonly allowedOrigins: readonly string[];
  /** METRICS_TOKEN: asked by `/metrics` when set. */
  readonly metricsToken: string | null;
}

export interface ApiServer {
  httpServer: http.Server;
  listen(port: number, host: string): Promise<number>;
  /** Drains HTTP, closes WebSockets (1001 going away). */
  stop(): Promise<void>;
}

/**
 * GraphQL at `/graphql` over HTTP (Apollo) and WebSocket (graphql-ws), plus
 * `/healthz`, `/readyz` and `/metrics`.
 */
export function createApiServer(deps: ApiDeps): ApiServer {
  const { orm, hub, services, log } = deps;
  const rules = validationRules({ introspection: deps.introspection });
  // One EntityManager fork per HTTP request or WebSocket operation, made
  // when a resolver first needs it: a subscribe that only reaches the hub
  // (10,000 dashboards) never forks.
  const context = (principal: Principal): AppContext => {
    let em: EntityManager | undefined;
    let loaders: Loaders | undefined;
    return {
      principal,
      hub,
      ...services,
      get em() {
        return (em ??= orm.em.fork());
      },
      get loaders() {
        return (loaders ??= createLoaders(this.em));
      },
    };
  };

  const httpServer = http.createServer();
  const webSockets = attachWebSocketApi(httpServer, {
    schema: deps.schema,
    authenticator: deps.authenticator,
    hub,
    context,
    validationRules: rules,
    allowedOrigins: deps.allowedOrigins,
    log,
  });
  const httpApi = attachHttpApi(httpServer, {
    schema: deps.schema,
    pgPool: deps.pgPool,
    authenticator: deps.authenticator,
    context,
    validationRules: rules,
    introspection: deps.introspection,
    drain: () => webSockets.dispose(),
    probes: { pgPool: deps.pgPool, hub, metricsToken: deps.metricsToken, log },
  });
  // Read at each scrape of /metrics, in this process, until stop().
  const removeScrapeSources = addScrapeSources({
    subscriptions: () => hub.subscriberCount,
    webSockets: () => webSockets.connections,
    scanStats: new ScanStatsReader({ pgPool: deps.pgPool }),
    log,
  });

  return {
    httpServer,
    async listen(port, host) {
      await httpApi.start();
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
      removeScrapeSources();
      await httpApi.stop();
      log.debug('API stopped');
    },
  };
}
