/**
 * The probe routes on a real PostgreSQL, served by a real HTTP server:
 * /readyz on a fresh database (no tables at all) and after migrating it, and
 * the scans gauges when the database read outlives its deadline.
 */
import type http from 'node:http';

import express from 'express';

import { MIGRATIONS } from '../../migrations';
import { type ProbeOptions, probeRoutes } from '../../src/api/probes';
import { migrate, openOrm } from '../../src/db/orm';
import { createLogger } from '../../src/logger';
import { addScrapeSources, renderMetrics, ScanStatsReader } from '../../src/metrics';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertScan, waitFor } from '../support/fixtures';
import { parseScrape } from '../support/prometheus';

jest.setTimeout(60_000);

const log = createLogger('silent');
let db: TestDatabase;
let server: http.Server;
let base: string;
/** What the routes see of the event hub: listen mode, LISTEN up or down. */
const hub: { listening: boolean | null } = { listening: true };

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  const options: ProbeOptions = { pgPool: db.pool, hub, metricsToken: null, log };
  const app = express().use(probeRoutes(options));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await db?.drop();
});

async function readyz(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() };
}

it('is not ready on a fresh database, and ready once it is migrated', async () => {
  expect(await readyz()).toEqual({
    status: 503,
    body: { status: 'not ready', reasons: [`${MIGRATIONS.length} migrations pending`] },
  });
  // Asking created nothing: the database is still empty.
  const tables = await db.pool.query(`select 1 from pg_tables where schemaname = 'public'`);
  expect(tables.rowCount).toBe(0);

  const orm = await openOrm({ url: db.url });
  try {
    await migrate(orm, db.url);
  } finally {
    await orm.close();
  }
  expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
});

it('is not ready while the LISTEN connection is down, whatever the database says', async () => {
  hub.listening = false;
  try {
    expect(await readyz()).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['LISTEN connection down'] },
    });
  } finally {
    hub.listening = true;
  }
  hub.listening = null; // poll mode: there is no LISTEN connection to wait for
  expect((await readyz()).status).toBe(200);
});

it('serves the page without the scans gauges when their read outlives its deadline', async () => {
  await insertScan(db.pool, { hostname: 'gauges.test' });
  // First a deadline no busy machine misses: the read works.
  const removeRoomy = addScrapeSources({
    scanStats: new ScanStatsReader({ pgPool: db.pool, timeoutMs: 15_000, reuseMs: 0 }),
    log,
  });
  try {
    const ok = parseScrape((await renderMetrics()).body);
    expect(ok.value('hostscan_scans', { status: 'PENDING', type: 'QUICK' })).toBe(1);
    expect(ok.value('hostscan_metrics_database_up')).toBe(1);
  } finally {
    removeRoomy();
  }

  const remove = addScrapeSources({
    scanStats: new ScanStatsReader({ pgPool: db.pool, timeoutMs: 300, reuseMs: 0 }),
    log,
  });
  const holder = await db.pool.connect();
  try {
    // A migration-like lock: the count waits behind it, however long.
    await holder.query('begin');
    await holder.query('lock table scans in access exclusive mode');
    const started = Date.now();
    const page = parseScrape((await renderMetrics()).body);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(page.value('hostscan_metrics_database_up')).toBe(0);
    expect(page.samples('hostscan_scans')).toEqual([]);
    // The statement is cancelled in the database too (statement_timeout),
    // not left waiting on the lock after the scrape gave up on it: with the
    // lock still held, cancelled is the only way it can stop being active.
    await waitFor(
      'the count to be cancelled in the database',
      async () => {
        const waiting = await db.pool.query(
          `select 1 from pg_stat_activity where datname = current_database()
         and query like '%group by status, type%' and state = 'active' and pid <> pg_backend_pid()`,
        );
        return waiting.rowCount === 0;
      },
      5_000,
    );
    expect(page.text).not.toContain('gauges.test');
  } finally {
    await holder.query('rollback');
    holder.release();
    remove();
  }
});
