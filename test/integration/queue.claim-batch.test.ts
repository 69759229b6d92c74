import { claimScans } from '../../src/queue/claim';
import { LeaseLostError } from '../../src/queue/lease';
import { reapExpiredLeases } from '../../src/queue/reaper';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { eventsOf, expireLeases, insertScan, scanRow, stepsOf } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('truncate scans, hosts cascade');
});

const claimOptions = (workerId: string) => ({ workerId, hostname: 'irrelevant', leaseMs: 30_000 });

describe('claiming in batches', () => {
  it('takes up to the limit in one statement, best first, each with its RUNNING event', async () => {
    const low = await insertScan(db.pool, { priority: 0 });
    const high = await insertScan(db.pool, { priority: 5 });
    const lowLater = await insertScan(db.pool, { priority: 0 });
    const lowest = await insertScan(db.pool, { priority: -1 });

    const leases = await claimScans(db.pool, claimOptions('w'), 3);
    expect(leases.map((l) => l.id)).toEqual([high.id, low.id, lowLater.id]);
    for (const lease of leases) {
      expect(lease.attempt).toBe(1);
      expect(lease.scan.status).toBe('RUNNING');
      expect(await eventsOf(db.pool, lease.id)).toEqual([
        { seq: 1, status: 'PENDING', step: null, progress: 0 },
        { seq: 2, status: 'RUNNING', step: null, progress: 0 },
      ]);
    }
    expect((await scanRow(db.pool, lowest.id)).status).toBe('PENDING');
    expect((await claimScans(db.pool, claimOptions('w'), 3)).map((l) => l.id)).toEqual([lowest.id]);
    expect(await claimScans(db.pool, claimOptions('w'), 3)).toEqual([]);
  });

  it("hands each lease its scan's host as the claim read it, and only the scan's columns as the scan", async () => {
    const scan = await insertScan(db.pool, { hostname: 'db-7.example.test', port: 2222 });
    await db.pool.query(`update hosts set host_key_fingerprint = 'SHA256:abc' where id = $1`, [
      scan.host_id,
    ]);
    const [lease] = await claimScans(db.pool, claimOptions('w'), 1);
    expect(lease!.host).toEqual({
      id: scan.host_id,
      hostname: 'db-7.example.test',
      port: 2222,
      host_key_fingerprint: 'SHA256:abc',
    });
    expect(Object.keys(lease!.scan).sort()).toEqual(Object.keys(scan).sort());
  });

  it('never gives one scan to two workers claiming batches at the same time', async () => {
    const scans = await Promise.all(Array.from({ length: 60 }, () => insertScan(db.pool)));
    const poolA = testPool(db.url, 3);
    const poolB = testPool(db.url, 3);
    try {
      const claimAll = async (pool: typeof poolA, worker: string) => {
        const got: string[] = [];
        const loops = Array.from({ length: 3 }, async () => {
          for (;;) {
            const leases = await claimScans(pool, claimOptions(worker), 7);
            if (leases.length === 0) return;
            got.push(...leases.map((l) => l.id));
          }
        });
        await Promise.all(loops);
        return got;
      };
      const [a, b] = await Promise.all([claimAll(poolA, 'worker-a'), claimAll(poolB, 'worker-b')]);
      const all = [...a, ...b];
      expect(all.length).toBe(60);
      expect(new Set(all)).toEqual(new Set(scans.map((s) => s.id)));
      const rows = await db.pool.query(
        `select status, attempt, count(*)::int as n from scans group by 1, 2`,
      );
      expect(rows.rows).toEqual([{ status: 'RUNNING', attempt: 1, n: 60 }]);
    } finally {
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });
});

describe('single-statement step writes', () => {
  it('resets the step list by position: a shorter list drops the rest, a result is cleared', async () => {
    const scan = await insertScan(db.pool, { maxAttempts: 3 });
    const [first] = await claimScans(db.pool, claimOptions('w1'), 1);
    await first!.resetSteps(['os', 'hostname', 'uptime']);
    await first!.startStep(0, 'os', 0);
    await first!.finishStep(0, 'os', 33, { part: { hostname: 'one' } });
    await expireLeases(db.pool);
    await reapExpiredLeases(db.pool);

    const [second] = await claimScans(db.pool, claimOptions('w2'), 1);
    expect(second!.attempt).toBe(2);
    await second!.resetSteps(['os', 'hostname']);
    const steps = await stepsOf(db.pool, scan.id);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['os', 'PENDING'],
      ['hostname', 'PENDING'],
    ]);
    const result = await db.pool.query(`select 1 from scan_results where scan_id = $1`, [scan.id]);
    expect(result.rowCount).toBe(0);
    // The stale attempt's reset is fenced off too, and changes nothing.
    await expect(first!.resetSteps(['os'])).rejects.toBeInstanceOf(LeaseLostError);
    expect((await stepsOf(db.pool, scan.id)).length).toBe(2);
  });

  it('writes a step, its result part and its event together, and finishes with unrun steps SKIPPED', async () => {
    const scan = await insertScan(db.pool);
    const [lease] = await claimScans(db.pool, claimOptions('w'), 1);
    await lease!.resetSteps(['hostname', 'uptime', 'memory']);
    await lease!.startStep(0, 'hostname', 0);
    await lease!.finishStep(0, 'hostname', 33, { part: { hostname: 'box' } });
    await lease!.startStep(1, 'uptime', 33);
    await lease!.finishStep(1, 'uptime', 67, {
      failure: { code: 'PARSE_ERROR', message: 'no number' },
    });
    const row = await lease!.finish({
      status: 'PARTIAL',
      progress: 67,
      failure: null,
      message: 'partial',
    });
    expect(row.status).toBe('PARTIAL');
    expect(row.last_seq).toBe(7);

    const steps = await stepsOf(db.pool, scan.id);
    expect(steps.map((s) => [s.name, s.status, s.error_code])).toEqual([
      ['hostname', 'SUCCEEDED', null],
      ['uptime', 'FAILED', 'PARSE_ERROR'],
      ['memory', 'SKIPPED', null],
    ]);
    const result = await db.pool.query<{ data: unknown }>(
      `select data from scan_results where scan_id = $1`,
      [scan.id],
    );
    expect(result.rows[0]!.data).toEqual({ hostname: 'box' });
    expect(await eventsOf(db.pool, scan.id)).toEqual([
      { seq: 1, status: 'PENDING', step: null, progress: 0 },
      { seq: 2, status: 'RUNNING', step: null, progress: 0 },
      { seq: 3, status: 'RUNNING', step: 'hostname', progress: 0 },
      { seq: 4, status: 'RUNNING', step: 'hostname', progress: 33 },
      { seq: 5, status: 'RUNNING', step: 'uptime', progress: 33 },
      { seq: 6, status: 'RUNNING', step: 'uptime', progress: 67 },
      { seq: 7, status: 'PARTIAL', step: null, progress: 67 },
    ]);
  });
});
