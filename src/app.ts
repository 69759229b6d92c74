import 'reflect-metadata';

import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';

import { type ApiServer, createApiServer } from './api/server';
import { Authenticator, bootstrapAdminToken } from './auth/authenticator';
import type { Config } from './config';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded';
import { migrate, openOrm } from './db/orm';
import { namePreparedStatements } from './db/prepared';
import { toError } from './domain/errors';
import { EventHub } from './events/hub';
import { PREPARED as eventStatements } from './events/sql';
import { buildAppSchema } from './graphql/schema';
import type { Logger } from './logger';
import { enableProcessMetrics, startMetricsServer } from './metrics';
import { Reaper } from './queue/reaper';
import { PREPARED as queueStatements } from './queue/sql';
import { Scheduler } from './scheduler/scheduler';
import { loadMasterKey } from './secrets/master-key';
import { parseMasterKey, Vault } from './secrets/vault';
import { createServices } from './services';
import { RateLimiter } from './services/rate-limit';
import { pgPoolSizeFor } from './worker/pool-size';
import { ScanWorker } from './worker/worker';

export interface AppOptions {
  config: Config;
  log: Logger;
  /** Serve the GraphQL API (HTTP + WebSocket). */
  api: boolean;
  /** Run a worker that claims and executes scans. */
  worker: boolean;
}

export interface App {
  /** Port the API listens on (null without API). */
  port: number | null;
  databaseUrl: string;
  worker: ScanWorker | null;
  hub: EventHub | null;
  /**
   * Graceful stop: stop claiming, let running scans finish for the grace
   * period, release the rest, drain HTTP, close WebSockets and the database.
   */
  stop(graceMs?: number): Promise<void>;
  /** Second signal: abort every running scan now. */
  abort(): void;
}

/** Opens the database (embedded when DATABASE_URL is unset) and applies migrations. */
export async function openDatabase(
  config: Config,
  log: Logger,
): Promise<{ url: string; embedded: EmbeddedDatabase | null }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: null };
  const embedded = await startEmbeddedDatabase(config.dataDir, log);
  return { url: embedded.url, embedded };
}

export function createPool(url: string, log: Logger, max = 10): pg.Pool {
  const pgPool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A hung statement must not hold a scan forever: fail it, retry later.
    statement_timeout: 30_000,
    query_timeout: 35_000,
    // A process frozen (SIGSTOP, a debugger) inside a transaction would hold
    // its row locks, and the reaper skips locked rows: the server ends such a
    // session after a few idle seconds, which releases them.
    idle_in_transaction_session_timeout: 5_000,
  });
  // An idle client's connection dropping (database restart) must not crash the process.
  pgPool.on('error', (e) => log.warn({ err: toError(e) }, 'idle database connection failed'));
  // Nor may a checked-out one: pg-pool removes its own error listener while a
  // client is lent out, and an 'error' event with no listener throws. The
  // query in flight still rejects (its caller reports it), and the broken
  // client is dropped on release.
  pgPool.on('connect', (client) => {
    client.on('error', (e) => log.debug({ err: toError(e) }, 'database connection failed'));
  });
  return pgPool;
}

export async function startApp(options: AppOptions): Promise<App> {
  const { config, log } = options;
  const cleanups: Array<[string, () => Promise<void>]> = [];
  const cleanup = async () => {
    for (const [name, fn] of cleanups.reverse()) {
      log.debug({ step: name }, 'shutdown step');
      await fn().catch((e: unknown) =>
        log.warn({ err: toError(e), step: name }, 'shutdown step failed'),
      );
    }
    cleanups.length = 0;
  };
  try {
    const { url, embedded } = await openDatabase(config, log);
    if (embedded) cleanups.push(['embedded database', () => embedded.stop()]);

    const orm: MikroORM = await openOrm({ url, log });
    cleanups.push(['orm', () => orm.close()]);
    const applied = await migrate(orm, url, log);
    if (applied.length) log.info({ migrations: applied }, 'applied migrations');

    // Stored credentials: SECRET_KEY, or a key generated into DATA_DIR on the embedded default.
    const secretKey = await loadMasterKey(config.secretKey, embedded !== null, config.dataDir, log);
    const vault = secretKey ? new Vault(parseMasterKey(secretKey)) : null;

    const pgPool = createPool(
      url,
      log,
      pgPoolSizeFor(options.worker ? config.worker.concurrency : null),
    );
    cleanups.push(['pool', () => pgPool.end()]);
    // Poll mode is for PgBouncer in transaction mode, which loses named statements.
    if (config.events.mode === 'listen') {
      namePreparedStatements(pgPool, { ...queueStatements, ...eventStatements });
    }

    enableProcessMetrics();
    if (config.metrics.port !== null) {
      const { port: metricsPort, token } = config.metrics;
      const metrics = await startMetricsServer({
        port: metricsPort,
        host: config.host,
        token,
        log,
      });
      cleanups.push(['metrics server', () => metrics.close()]);
    }

    let worker: ScanWorker | null = null;
    let hub: EventHub | null = null;
    let api: ApiServer | null = null;
    let port: number | null = null;

    if (options.api) {
      await bootstrapAdminToken(pgPool, config.dataDir, config.adminToken, log);
      hub = new EventHub({
        pgPool,
        connectionString: url,
        log,
        mode: config.events.mode,
        pollIntervalMs: config.events.pollIntervalMs,
        subscriberStallMs: config.events.subscriberStallMs,
        maxPendingPerSubscriber: config.events.subscriberMaxPending,
      });
      await hub.start();
      const startedHub = hub;
      cleanups.push(['event hub', () => startedHub.stop()]);
      const schema = await buildAppSchema();
      api = createApiServer({
        schema,
        orm,
        pgPool,
        hub,
        services: createServices(
          pgPool,
          config.worker,
          vault,
          new RateLimiter(
            pgPool,
            config.startScanPerMinute,
            config.startScanBurst,
            config.startScanTargetsPerMinute,
          ),
        ),
        introspection: config.introspection,
        allowedOrigins: config.allowedOrigins,
        metricsToken: config.metrics.token,
        authenticator: new Authenticator(pgPool, config.adminToken, log),
        log,
      });
      port = await api.listen(config.port, config.host);
      const startedApi = api;
      cleanups.push(['api', () => startedApi.stop()]);
      log.info({ url: `http://${config.host}:${port}/graphql` }, 'API listening');
    }

    if (options.worker) {
      worker = new ScanWorker({
        pgPool,
        connectionString: url,
        config: { ...config.worker, secretKey },
        log,
        eventsMode: config.events.mode,
      });
      await worker.start();
    } else {
      // API-only processes reap too, so dead workers' scans are recovered even
      // when no worker is left running (SKIP LOCKED keeps reapers apart).
      // Only workers prune the rows of long-gone workers (pruneEveryMs: null).
      const reaper = new Reaper({
        pgPool,
        log,
        intervalMs: config.worker.reaperIntervalMs,
        pruneEveryMs: null,
      });
      reaper.start();
      cleanups.push(['reaper', async () => reaper.stop()]);
    }

    if (config.scheduler.enabled) {
      // In every process, API and worker alike: the database, not an
      // elected process, makes each due time start once.
      const scheduler = new Scheduler({
        pgPool,
        log,
        tickMs: config.scheduler.tickMs,
        scanDefaults: {
          timeoutSeconds: config.worker.defaultScanTimeoutSeconds,
          maxAttempts: config.worker.maxAttempts,
        },
      });
      scheduler.start();
      cleanups.push(['scheduler', () => scheduler.stop()]);
    }

    return {
      port,
      databaseUrl: url,
      worker,
      hub,
      async stop(graceMs) {
        // Stop claiming and drain first, while the API still serves progress.
        if (worker) await worker.stop(graceMs);
        await cleanup();
      },
      abort() {
        worker?.abortAll();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
