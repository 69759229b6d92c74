import type pg from 'pg';

import { MIGRATIONS } from '../../migrations';
import { PG_ERROR, pgErrorCode } from './pg-errors';

/** The table MikroORM records applied migrations in (ormConfig's `migrations.tableName`). */
const APPLIED = `select name from mikro_orm_migrations`;

/** A stored name without the extension it may have been recorded with. */
const bare = (name: string): string => name.replace(/\.(ts|js)$/, '');

/**
 * The migrations this build knows that the database has not applied, in
 * order; every one of them on a database with no migrations table yet. A
 * plain read: unlike MikroORM's own check, it creates nothing. Rejects when
 * the database cannot be read.
 */
export async function pendingMigrations(db: Pick<pg.Pool, 'query'>): Promise<string[]> {
  let applied: Set<string>;
  try {
    applied = new Set((await db.query<{ name: string }>(APPLIED)).rows.map((r) => bare(r.name)));
  } catch (e) {
    if (pgErrorCode(e) === PG_ERROR.UNDEFINED_TABLE) applied = new Set();
    else throw e;
  }
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(bare(name)));
}
