import path from 'node:path';

import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';

import { MIGRATIONS } from '../../migrations';
import type { Logger } from '../logger';
import { sleep } from '../util/async';
import { PROJECT_ROOT } from '../util/paths';
import { ENTITIES } from './entities';
import { PG_ERROR, pgErrorCode } from './pg-errors';

/** Arbitrary constant naming this product's migration lock. */
export const MIGRATION_LOCK_ID = 727_274_001;

export interface OrmOptions {
  url: string;
  log?: Logger;
  /** Called with every SQL statement the ORM runs (tests count them). */
  onQuery?: (sql: string) => void;
  poolMax?: number;
  /**
   * Keep `migrations/.schema-snapshot.json`: written after migrations apply,
   * read by createMigration to diff the entities against. Only
   * `npm run migration:create` wants it. @default false
   */
  snapshot?: boolean;
}

export function ormConfig(options: OrmOptions): Options {
  const queryLogging = options.onQuery !== undefined;
  return defineConfig({
    clientUrl: options.url,
    // MikroORM's own check (at connect, and again in the migrator whatever
    // this says) looks the URL's database name up in pg_database, which behind
    // PgBouncer is an alias, and then creates it through a `postgres`
    // database PgBouncer does not have. With no management database it
    // creates nothing; ensureDatabase below does that job instead.
    ensureDatabase: false,
    schemaGenerator: { managementDbName: '' },
    entities: ENTITIES,
    extensions: [Migrator],
    // The API forks an EntityManager per request; the global one must never be used.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: options.poolMax ?? 10 },
    discovery: { warnWhenNoEntities: true },
    debug: queryLogging ? ['query'] : false,
    logger: (message: string) => {
      if (options.onQuery) options.onQuery(message);
      else options.log?.debug({ component: 'orm' }, message);
    },
    migrations: {
      // Listed statically so the same list works from TypeScript (tests) and
      // compiled JavaScript (npm start) without globbing the file system.
      migrationsList: MIGRATIONS,
      path: path.join(PROJECT_ROOT, 'migrations'),
      pathTs: path.join(PROJECT_ROOT, 'migrations'),
      snapshotName: '.schema-snapshot',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // With a snapshot, every run that applies migrations writes the
      // database's schema into migrations/ (a test migrating part-way wrote a
      // stale one there): only migration:create keeps it.
      snapshot: options.snapshot ?? false,
      emit: 'ts',
    },
  });
}

export async function openOrm(options: OrmOptions): Promise<MikroORM> {
  await ensureDatabase(options.url, options.log);
  return MikroORM.init(ormConfig(options));
}

/**
 * Creates the URL's database when the server says it does not exist
 * (3D000), through the server's `postgres` database, as a first start
 * against a fresh server expects. Behind PgBouncer an unknown alias fails
 * with PgBouncer's own error, which is passed on.
 */
async function ensureDatabase(url: string, log?: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return;
  } catch (e) {
    if (pgErrorCode(e) !== PG_ERROR.INVALID_CATALOG_NAME) throw e;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({
    connectionString: target.toString(),
    connectionTimeoutMillis: 10_000,
  });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    log?.info({ database: name }, 'created the database');
  } catch (e) {
    // Another process starting at the same moment created it first.
    if (pgErrorCode(e) !== PG_ERROR.DUPLICATE_DATABASE) throw e;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * Applies every pending migration; safe to run from several processes at once.
 *
 * Two processes starting together must not both create the tables, so the
 * migrations run while a lock client holds a transaction-level advisory lock
 * in an open transaction. A session-level lock would not do behind PgBouncer
 * in transaction mode: each statement may run on another server connection,
 * so the lock would guard nothing. An open transaction keeps its server
 * connection in every pooling mode, and the lock ends with it, even when the
 * process dies. Waiters poll with a try-lock and hold no transaction between
 * tries, so they take no pooled server connection from the lock holder's
 * migrations.
 */
export async function migrate(orm: MikroORM, url: string, log?: Logger): Promise<string[]> {
  // query_timeout: a half-open connection (no RST ever comes) must not hold
  // a keep-alive, and the commit queued behind it, for ever.
  const lock = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    query_timeout: 15_000,
  });
  // A lost lock connection releases the lock: noticed here (and by the
  // keep-alive below), reported after the migrations, never a crash.
  let lost: Error | null = null;
  lock.on('error', (e) => (lost ??= e));
  lock.on('end', () => (lost ??= new Error('connection closed')));
  await lock.connect();
  try {
    for (let tries = 1; ; tries++) {
      await lock.query('begin');
      // Idle in this transaction for as long as the migrations take.
      await lock.query('set local idle_in_transaction_session_timeout = 0');
      const { rows } = await lock.query<{ locked: boolean }>(
        'select pg_try_advisory_xact_lock($1) as locked',
        [MIGRATION_LOCK_ID],
      );
      if (rows[0]!.locked) break;
      await lock.query('rollback');
      if (tries === 1) log?.info('another process is migrating the database; waiting');
      await sleep(100 + Math.random() * 200);
    }
    // While MikroORM migrates on its own connections the lock transaction is
    // idle: a statement now and then keeps a pooler's idle-transaction
    // timeout (PgBouncer's idle_transaction_timeout) off it, and finds a loss.
    const keepAlive = setInterval(() => {
      lock.query('select 1').catch((e: unknown) => (lost ??= e as Error));
    }, 2_000);
    let done: Awaited<ReturnType<typeof orm.migrator.up>>;
    try {
      done = await orm.migrator.up();
    } finally {
      clearInterval(keepAlive);
    }
    if (lost) {
      throw new Error(
        'the migration lock connection was lost while migrating; another process may have migrated at the same time',
        { cause: lost },
      );
    }
    await lock.query('commit');
    return done.map((m) => m.name);
  } finally {
    lost ??= new Error('finished'); // the 'end' from our own end() below is not a loss
    await lock.end().catch(() => undefined);
  }
}
