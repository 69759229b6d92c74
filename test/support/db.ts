import { randomBytes } from 'node:crypto';

import pg from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A pool for a test's own use. The error listener matters: pg-pool's end()
 * resolves before its clients' backends have exited, so a database dropped
 * (with force) right after terminates them, and an idle client's error with
 * no listener on its pool would fail the whole test file.
 */
export function testPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A fresh, migrated database for one test file, cloned from the run's
 * template; with `empty`, a database with no tables at all (from template0).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.HOSTSCAN_TEST_ADMIN_URL;
  const template = process.env.HOSTSCAN_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('globalSetup did not run: no template database');
  const name = `${template.replace('tpl', 'file')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${options.empty ? 'template0' : template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = testPool(url, 10);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
