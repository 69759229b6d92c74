/**
 * executeScan on this machine (a LOCAL QUICK scan) through a pool that
 * records every statement: the scan's events and steps come out whole, and
 * a step's finish and the next step's start share one statement when the
 * next begin marker is already there (one round trip fewer per step).
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { claimScan } from '../../src/queue/claim';
import * as sql from '../../src/queue/sql';
import { executeScan } from '../../src/worker/execute-scan';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { countingPool } from '../support/events';
import { eventsOf, insertScan, scanRow } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

it('runs a LOCAL QUICK scan to COMPLETED with every event, merging step transitions', async () => {
  const config = loadConfig({ DATABASE_URL: db.url }).worker;
  const { pool, queries } = countingPool(db.url, 4);
  try {
    const scan = await insertScan(pool, { transport: 'LOCAL', hostname: config.hostname });
    const lease = (await claimScan(pool, {
      workerId: config.workerId,
      hostname: config.hostname,
      leaseMs: 60_000,
    }))!;
    expect(lease.id).toBe(scan.id);
    queries.length = 0;
    await executeScan(
      lease,
      { pgPool: pool, config, log: createLogger('silent') },
      new AbortController().signal,
    );

    expect((await scanRow(pool, scan.id)).status).toBe('COMPLETED');
    const events = await eventsOf(pool, scan.id);
    // PENDING, claimed, 5 × (start, done), COMPLETED: nothing missing, no gap.
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(events.slice(2, 12).map((e) => e.step)).toEqual(
      ['os', 'hostname', 'uptime', 'disk', 'memory'].flatMap((s) => [s, s]),
    );
    const { rows: steps } = await pool.query<{ status: string }>(
      `select status from scan_steps where scan_id = $1 order by position`,
      [scan.id],
    );
    expect(steps.map((s) => s.status)).toEqual(Array(5).fill('SUCCEEDED'));

    // Four transitions; each is either one merged statement or a finish and a start.
    const merged = queries.filter((q) => q === sql.FINISH_AND_START_STEP).length;
    const starts = queries.filter((q) => q === sql.START_STEP).length;
    const finishes = queries.filter((q) => q === sql.FINISH_STEP).length;
    expect(merged + starts).toBe(5);
    expect(merged + finishes).toBe(5);
    // On this machine the begin marker follows the end marker in the same read.
    expect(merged).toBeGreaterThanOrEqual(1);
    // The host came with the claim: not read again.
    expect(queries.filter((q) => q === sql.HOST_BY_ID)).toEqual([]);
  } finally {
    await pool.end();
  }
});
