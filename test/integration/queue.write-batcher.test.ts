/**
 * WriteBatcher: a worker's fenced writes share a transaction when they
 * queue behind others, each keeps its own result, and one write's failure
 * never fails another's.
 */
import { claimScans } from '../../src/queue/claim';
import * as sql from '../../src/queue/sql';
import { WriteBatcher } from '../../src/queue/write-batcher';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { countingPool } from '../support/events';
import { eventsOf, insertScan } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

/** Claims `n` fresh scans of their own worker pool; returns their fences. */
async function claimed(n: number, pool: string) {
  await Promise.all(Array.from({ length: n }, () => insertScan(db.pool, { pool })));
  const leases = await claimScans(
    db.pool,
    { workerId: 'w-batch', hostname: 'irrelevant', leaseMs: 60_000, pools: [pool] },
    n,
  );
  expect(leases).toHaveLength(n);
  return leases.map((l) => ({ id: l.id, attempt: l.attempt }));
}

const progress = (s: { id: string; attempt: number }, step: string) => [
  s.id,
  s.attempt,
  'w-batch',
  step,
  50,
  `moved to ${step}`,
];

it('sends writes that queue behind others in shared transactions, each with its own result', async () => {
  const scans = await claimed(40, 'batch-a');
  const { pool, queries } = countingPool(db.url, 8);
  try {
    const batcher = new WriteBatcher(pool);
    const results = await Promise.all(
      scans.map((s) => batcher.query(sql.UPDATE_PROGRESS, progress(s, 'os'))),
    );
    expect(results.map((r) => r.rowCount)).toEqual(scans.map(() => 1));
    expect(results.map((r) => r.rows[0]!.id)).toEqual(scans.map((s) => s.id));
    // 40 writes at once: the first few go alone, the rest share transactions.
    const transactions = queries.filter((q) => q === 'begin').length;
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThan(10);
    for (const s of scans) {
      const events = await eventsOf(db.pool, s.id);
      expect(events[events.length - 1]).toMatchObject({ seq: 3, step: 'os', progress: 50 });
    }
  } finally {
    await pool.end();
  }
});

it('commits the others when one write of a shared transaction matches no row (a lost lease)', async () => {
  const scans = await claimed(12, 'batch-b');
  const stale = { ...scans[5]!, attempt: scans[5]!.attempt + 1 };
  const { pool } = countingPool(db.url, 8);
  try {
    const batcher = new WriteBatcher(pool);
    const fences = scans.map((s, i) => (i === 5 ? stale : s));
    const results = await Promise.all(
      fences.map((s) => batcher.query(sql.UPDATE_PROGRESS, progress(s, 'disk'))),
    );
    expect(results.map((r) => r.rowCount)).toEqual(fences.map((_, i) => (i === 5 ? 0 : 1)));
    expect((await eventsOf(db.pool, scans[5]!.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect((await eventsOf(db.pool, scans[6]!.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
  } finally {
    await pool.end();
  }
});

it("sends each write again on its own when one write's error rolls a shared transaction back", async () => {
  const scans = await claimed(12, 'batch-c');
  const { pool, queries } = countingPool(db.url, 8);
  try {
    const batcher = new WriteBatcher(pool);
    // progress 500 breaks the smallint/percent check: that write alone fails.
    const writes = scans.map((s, i) => {
      const values = progress(s, 'memory');
      if (i === 9) values[4] = 500;
      return batcher.query(sql.UPDATE_PROGRESS, values).then(
        (r) => r.rowCount,
        (e: unknown) => (e as Error).message,
      );
    });
    const outcomes = await Promise.all(writes);
    expect(queries.filter((q) => q === 'rollback').length).toBeGreaterThanOrEqual(1);
    outcomes.forEach((o, i) => {
      if (i === 9) expect(o).toEqual(expect.stringMatching(/check constraint|out of range/));
      else expect(o).toBe(1);
    });
    // Each good write committed once: one event each, no doubles from the retry.
    for (const [i, s] of scans.entries()) {
      const seqs = (await eventsOf(db.pool, s.id)).map((e) => e.seq);
      expect(seqs).toEqual(i === 9 ? [1, 2] : [1, 2, 3]);
    }
  } finally {
    await pool.end();
  }
});
