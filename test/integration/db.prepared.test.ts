import type pg from 'pg';

import { namePreparedStatements } from '../../src/db/prepared';
import { PREPARED as eventStatements } from '../../src/events/sql';
import { PREPARED as queueStatements, SCAN_BY_ID } from '../../src/queue/sql';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

/** The session's protocol-level prepared statements (one connection: the pool's only one). */
async function preparedNames(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `select name from pg_prepared_statements where from_sql = false order by name`,
  );
  return rows.map((r) => r.name);
}

it('sends a listed statement as a named prepared statement, and others unnamed', async () => {
  const pool = testPool(db.url, 1);
  try {
    namePreparedStatements(pool, { ...queueStatements, ...eventStatements });
    const scan = await insertScan(pool);
    const { rows } = await pool.query<{ id: string }>(SCAN_BY_ID, [scan.id]);
    expect(rows[0]!.id).toBe(scan.id);
    // Run again on the same connection: the prepared statement is reused.
    expect((await pool.query<{ id: string }>(SCAN_BY_ID, [scan.id])).rows[0]!.id).toBe(scan.id);
    // insertScan's statements are not listed, so only SCAN_BY_ID was named.
    expect(await preparedNames(pool)).toEqual(['hostscan_scan_by_id']);
  } finally {
    await pool.end();
  }
});

it('names nothing on a pool it was not applied to', async () => {
  const pool = testPool(db.url, 1);
  try {
    const scan = await insertScan(pool);
    await pool.query(SCAN_BY_ID, [scan.id]);
    expect(await preparedNames(pool)).toEqual([]);
  } finally {
    await pool.end();
  }
});

it('refuses a list that holds one text under two names', () => {
  const pool = testPool(db.url, 1);
  expect(() => namePreparedStatements(pool, { A: SCAN_BY_ID, B: SCAN_BY_ID })).toThrow(
    'statement B is listed twice',
  );
  void pool.end();
});
