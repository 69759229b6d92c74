import path from 'node:path';

import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';

import { MIGRATIONS } from '../../migrations';
import type { Logger } from '../logger';
import { PROJECT_ROOT } from '../util/paths';
import { ENTITIES } from './entities';

/** Arbitrary constant naming this product's migration lock. */
const MIGRATION_LOCK_ID = 727_274_001;

export interface OrmOptions {
  url: string;
  log?: Logger;
  /** Called with every SQL statement the ORM runs (tests count them). */
  onQuery?: (sql: string) => void;
  poolMax?: number;
}

export function ormConfig(options: OrmOptions): Options {
  const queryLogging = options.onQuery !== undefined;
  return defineConfig({
    clientUrl: options.url,
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
      snapshot: true,
      emit: 'ts',
    },
  });
}

export async function openOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

/** Applies every pending migration; safe to run from several processes at once. */
export async function migrate(orm: MikroORM, url: string): Promise<string[]> {
  // Two processes starting together must not both create the tables. A
  // session lock needs one connection held throughout, hence its own client.
  const lock = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const done = await orm.migrator.up();
    return done.map((m) => m.name);
  } finally {
    await lock.end();
  }
}
