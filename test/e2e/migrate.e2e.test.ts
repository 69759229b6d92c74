/**
 * Every process migrates at start. Five `npm run migrate` processes started
 * together on an empty database must apply each migration exactly once, none
 * failing on tables another is creating, and leave no lock behind. Node's
 * start-up jitter alone would mostly keep them apart, so the test holds the
 * migration lock itself until all five are waiting for it, then lets go.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import pg from 'pg';

import { MIGRATIONS } from '../../migrations';
import { MIGRATION_LOCK_ID } from '../../src/db/orm';
import { PROJECT_ROOT } from '../../src/util/paths';
import { createTestDatabase, type TestDatabase } from '../support/db';

jest.setTimeout(60_000);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
});

afterAll(async () => {
  await db?.drop();
});

interface LogLine {
  msg: string;
  migrations?: string[];
}

function runMigrate(): { output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/bin/migrate.js')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  // 'close', not 'exit': the last log lines may still be in the pipe at 'exit'.
  const exit = once(child, 'close').then(([code]) => {
    clearTimeout(timer);
    return code as number | null;
  });
  return { output: () => text, exit };
}

it('applies every migration once when five processes migrate an empty database at once', async () => {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!
    .pid;
  await holder.query('begin');
  await holder.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
  const runs = Array.from({ length: 5 }, runMigrate);

  // All five say they wait for the lock, and none has touched the schema.
  const deadline = Date.now() + 30_000;
  const waiting = () => runs.filter((r) => /waiting/.test(r.output())).length;
  while (waiting() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(waiting()).toBe(5);
  const tables = await db.pool.query(`select 1 from pg_tables where schemaname = 'public'`);
  expect(tables.rowCount).toBe(0);
  // Waiters hold no transaction (and so no pooled server connection) between
  // tries, which are 100-300 ms apart. A try is itself a short transaction,
  // so one caught mid-try is fine; one idle in a transaction for over 100 ms,
  // in any of three looks, is a waiter sitting on its connection.
  const idle: number[] = [];
  for (let look = 0; look < 3; look++) {
    const { rows } = await db.pool.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database()
       and state = 'idle in transaction' and pid <> pg_backend_pid() and pid <> $1
       and clock_timestamp() - state_change > interval '100 milliseconds'`,
      [holderPid],
    );
    idle.push(...rows.map((r) => r.pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(idle).toEqual([]);

  await holder.query('commit');
  await holder.end();
  expect(await Promise.all(runs.map((r) => r.exit))).toEqual([0, 0, 0, 0, 0]);
  const applied = runs.map((r) => {
    const line = r
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine)
      .find((l) => l.migrations !== undefined);
    return line!.migrations!;
  });
  // One of them did all the work; the others found nothing left to do.
  const counts = applied.map((names) => names.length).sort((a, b) => a - b);
  expect(counts).toEqual([0, 0, 0, 0, MIGRATIONS.length]);
  const { rows } = await db.pool.query<{ name: string }>(
    `select name from mikro_orm_migrations order by id`,
  );
  expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  // The advisory lock ended with its transaction.
  // (In this database: a service starting in another test file takes the same lock id.)
  const locks = await db.pool.query(
    `select 1 from pg_locks where locktype = 'advisory'
     and database = (select oid from pg_database where datname = current_database())`,
  );
  expect(locks.rowCount).toBe(0);
});

it('creates the database named in DATABASE_URL when the server has none of that name', async () => {
  const url = new URL(db.url);
  const name = `${db.name}_created`;
  url.pathname = `/${name}`;
  const admin = new URL(db.url);
  admin.pathname = '/postgres';
  const check = new pg.Client({ connectionString: admin.toString() });
  await check.connect();
  try {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/bin/migrate.js')], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: url.toString(), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(text).toMatch(/"msg":"created the database"/);
    expect(code).toBe(0);
    const { rowCount } = await check.query(`select 1 from pg_database where datname = $1`, [name]);
    expect(rowCount).toBe(1);
  } finally {
    await check.query(`drop database if exists ${name} with (force)`);
    await check.end();
  }
});
