import pg from 'pg';

import { claimScan } from '../../src/queue/claim';
import { LeaseLostError } from '../../src/queue/lease';
import { reapExpiredLeases } from '../../src/queue/reaper';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { eventsOf, expireLeases, insertScan, scanRow } from '../support/fixtures';

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

describe('claiming', () => {
  it('never gives one scan to two workers claiming at the same time', async () => {
    const scans = await Promise.all(Array.from({ length: 40 }, () => insertScan(db.pool)));
    // Two workers, each with its own connection pool, racing on the queue.
    const poolA = testPool(db.url, 5);
    const poolB = testPool(db.url, 5);
    try {
      // Both pools connected before either claims, so neither takes the whole queue alone.
      const warm = async (pool: pg.Pool) =>
        (await Promise.all(Array.from({ length: 5 }, () => pool.connect()))).forEach((c) =>
          c.release(),
        );
      await Promise.all([warm(poolA), warm(poolB)]);
      const claimAll = async (pool: pg.Pool, worker: string) => {
        const got: string[] = [];
        const loops = Array.from({ length: 5 }, async () => {
          for (;;) {
            const lease = await claimScan(pool, {
              workerId: worker,
              hostname: 'irrelevant',
              leaseMs: 30_000,
            });
            if (!lease) return;
            got.push(lease.id);
          }
        });
        await Promise.all(loops);
        return got;
      };
      const [a, b] = await Promise.all([claimAll(poolA, 'worker-a'), claimAll(poolB, 'worker-b')]);
      const all = [...a, ...b];
      expect(new Set(all).size).toBe(all.length);
      expect(new Set(all)).toEqual(new Set(scans.map((s) => s.id)));
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      const rows = await db.pool.query(
        `select status, attempt, count(*)::int as n from scans group by 1, 2`,
      );
      expect(rows.rows).toEqual([{ status: 'RUNNING', attempt: 1, n: 40 }]);
    } finally {
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });

  it('claims by priority first, then oldest first', async () => {
    const low = await insertScan(db.pool, { priority: 0 });
    const high = await insertScan(db.pool, { priority: 10 });
    const lowLater = await insertScan(db.pool, { priority: 0 });
    const order: string[] = [];
    for (;;) {
      const lease = await claimScan(db.pool, {
        workerId: 'w',
        hostname: 'irrelevant',
        leaseMs: 30_000,
      });
      if (!lease) break;
      order.push(lease.id);
    }
    expect(order).toEqual([high.id, low.id, lowLater.id]);
  });

  it('gives a LOCAL scan only to a worker on the target machine', async () => {
    const local = await insertScan(db.pool, { hostname: 'box-one', transport: 'LOCAL' });
    expect(
      await claimScan(db.pool, { workerId: 'w-elsewhere', hostname: 'box-two', leaseMs: 30_000 }),
    ).toBeNull();
    const lease = await claimScan(db.pool, {
      workerId: 'w-local',
      hostname: 'box-one',
      leaseMs: 30_000,
    });
    expect(lease?.id).toBe(local.id);
  });

  it('gives a scan only to a worker serving its pool', async () => {
    const dmz = await insertScan(db.pool, { pool: 'dmz' });
    const plain = await insertScan(db.pool);
    // A worker with the default pools never sees the dmz scan.
    const first = await claimScan(db.pool, {
      workerId: 'w-default',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    });
    expect(first?.id).toBe(plain.id);
    expect(
      await claimScan(db.pool, { workerId: 'w-default', hostname: 'irrelevant', leaseMs: 30_000 }),
    ).toBeNull();
    expect(
      await claimScan(db.pool, {
        workerId: 'w-lab',
        hostname: 'irrelevant',
        leaseMs: 30_000,
        pools: ['lab'],
      }),
    ).toBeNull();
    const lease = await claimScan(db.pool, {
      workerId: 'w-dmz',
      hostname: 'irrelevant',
      leaseMs: 30_000,
      pools: ['lab', 'dmz'],
    });
    expect(lease?.id).toBe(dmz.id);
    expect(lease?.scan.pool).toBe('dmz');
  });

  it('refuses a pool name the API would refuse, in the database too', async () => {
    await expect(insertScan(db.pool, { pool: 'Bad Pool' })).rejects.toMatchObject({
      constraint: 'scans_pool_check',
    });
  });

  it('records the claim as a RUNNING event with the next seq', async () => {
    const scan = await insertScan(db.pool);
    const lease = await claimScan(db.pool, {
      workerId: 'worker-x',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    });
    expect(lease?.scan.status).toBe('RUNNING');
    expect(lease?.scan.worker_id).toBe('worker-x');
    expect(await eventsOf(db.pool, scan.id)).toEqual([
      { seq: 1, status: 'PENDING', step: null, progress: 0 },
      { seq: 2, status: 'RUNNING', step: null, progress: 0 },
    ]);
  });
});

describe('leases', () => {
  it('re-queues a scan whose worker died, with the next claim as attempt 2', async () => {
    const scan = await insertScan(db.pool);
    const first = (await claimScan(db.pool, {
      workerId: 'dead-worker',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    expect(first.attempt).toBe(1);
    expect(await reapExpiredLeases(db.pool)).toEqual([]);
    await expireLeases(db.pool);
    const reaped = await reapExpiredLeases(db.pool);
    expect(reaped.map((r) => [r.id, r.status])).toEqual([[scan.id, 'PENDING']]);
    const second = (await claimScan(db.pool, {
      workerId: 'live-worker',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    expect(second.id).toBe(scan.id);
    expect(second.attempt).toBe(2);
  });

  it('ends a scan WORKER_LOST when its last attempt loses its lease', async () => {
    const scan = await insertScan(db.pool, { maxAttempts: 2 });
    for (let i = 0; i < 2; i++) {
      const lease = (await claimScan(db.pool, {
        workerId: `w${i}`,
        hostname: 'irrelevant',
        leaseMs: 30_000,
      }))!;
      await lease.resetSteps(['os', 'disk']);
      await lease.startStep(0, 'os', 0);
      await expireLeases(db.pool);
      await reapExpiredLeases(db.pool);
    }
    const row = await scanRow(db.pool, scan.id);
    expect(row.status).toBe('FAILED');
    expect(row.error_code).toBe('WORKER_LOST');
    expect(row.completed_at).not.toBeNull();
    // The dead attempt's running and pending steps are not left as they were.
    const steps = await db.pool.query<{ status: string }>(
      `select status from scan_steps where scan_id = $1 order by position`,
      [scan.id],
    );
    expect(steps.rows.map((r) => r.status)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(
      await claimScan(db.pool, { workerId: 'w', hostname: 'irrelevant', leaseMs: 30_000 }),
    ).toBeNull();
  });

  it('makes a write after a lost lease touch 0 rows', async () => {
    const scan = await insertScan(db.pool);
    const stale = (await claimScan(db.pool, {
      workerId: 'stale-worker',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await stale.resetSteps(['os', 'hostname']);
    await expireLeases(db.pool);
    await reapExpiredLeases(db.pool);
    const fresh = (await claimScan(db.pool, {
      workerId: 'fresh-worker',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await fresh.resetSteps(['os', 'hostname']);

    await expect(stale.heartbeat()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stale.startStep(0, 'os', 0)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      stale.finishStep(0, 'os', 50, { part: { hostname: 'from-the-stale-worker' } }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      stale.finish({ status: 'COMPLETED', progress: 100, failure: null, message: 'done' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    // Raw fenced statement as the stale worker: zero rows.
    const raw = await db.pool.query(
      `update scans set progress = 99 where id = $1 and attempt = $2 and worker_id = $3 and status = 'RUNNING'`,
      [scan.id, stale.attempt, 'stale-worker'],
    );
    expect(raw.rowCount).toBe(0);

    const row = await scanRow(db.pool, scan.id);
    expect(row.worker_id).toBe('fresh-worker');
    expect(row.attempt).toBe(2);
    expect(row.progress).toBe(0);
    const result = await db.pool.query(`select data from scan_results where scan_id = $1`, [
      scan.id,
    ]);
    expect(result.rowCount).toBe(0);
    const steps = await db.pool.query(
      `select status from scan_steps where scan_id = $1 order by position`,
      [scan.id],
    );
    expect(steps.rows.map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('heartbeat renews the lease and reports a cancellation request', async () => {
    await insertScan(db.pool);
    const lease = (await claimScan(db.pool, {
      workerId: 'w',
      hostname: 'irrelevant',
      leaseMs: 1_000,
    }))!;
    const before = (await scanRow(db.pool, lease.id)).lease_expires_at!;
    expect(await lease.heartbeat()).toEqual({ cancelRequested: false });
    await db.pool.query(`update scans set cancel_requested_at = now() where id = $1`, [lease.id]);
    expect(await lease.heartbeat()).toEqual({ cancelRequested: true });
    const after = (await scanRow(db.pool, lease.id)).lease_expires_at!;
    expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });
});

describe('event log and NOTIFY', () => {
  it('appends the event and notifies in the same transaction as the scan update', async () => {
    const scan = await insertScan(db.pool);
    const lease = (await claimScan(db.pool, {
      workerId: 'w',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await lease.resetSteps(['os']);
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const notes: string[] = [];
    listener.on('notification', (n) => notes.push(n.payload ?? ''));
    await listener.query('listen scan_events');
    try {
      // Inside an open transaction the NOTIFY is not delivered and the row is not visible.
      const tx = await db.pool.connect();
      await tx.query('begin');
      await tx.query(
        `with s as (update scans set current_step = 'os', last_seq = last_seq + 1 where id = $1 returning *)
         insert into scan_events (scan_id, seq, status, step, progress) select id, last_seq, status, current_step, progress from s`,
        [scan.id],
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(notes).toEqual([]);
      expect((await eventsOf(db.pool, scan.id)).map((e) => e.seq)).toEqual([1, 2]);
      await tx.query('rollback');
      tx.release();
      await new Promise((r) => setTimeout(r, 200));
      expect(notes).toEqual([]);

      // Committed: the row and the notification arrive together.
      await lease.startStep(0, 'os', 0);
      const deadline = Date.now() + 5_000;
      while (notes.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(notes.map((n) => JSON.parse(n))).toEqual([{ scanId: scan.id, seq: 3 }]);
      const events = await eventsOf(db.pool, scan.id);
      expect(events[events.length - 1]).toEqual({
        seq: 3,
        status: 'RUNNING',
        step: 'os',
        progress: 0,
      });
      // The payload stays tiny whatever the scan holds (8000-byte NOTIFY limit).
      expect(Buffer.byteLength(notes[0]!)).toBeLessThan(100);
    } finally {
      await listener.end();
    }
  });

  it("numbers a scan's events 1, 2, 3, ... with no gaps through its whole life", async () => {
    const scan = await insertScan(db.pool);
    const lease = (await claimScan(db.pool, {
      workerId: 'w',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await lease.resetSteps(['os', 'hostname']);
    await lease.startStep(0, 'os', 0);
    await lease.finishStep(0, 'os', 50, { part: { hostname: 'x' } });
    await lease.startStep(1, 'hostname', 50);
    await lease.finishStep(1, 'hostname', 100, {
      failure: { code: 'COMMAND_FAILED', message: 'boom' },
    });
    await lease.finish({ status: 'PARTIAL', progress: 100, failure: null, message: 'partial' });
    const events = await eventsOf(db.pool, scan.id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((e) => e.status)).toEqual([
      'PENDING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'PARTIAL',
    ]);
    expect((await scanRow(db.pool, scan.id)).last_seq).toBe(7);
  });
});

describe('finishStepAndStart', () => {
  /** Runs os then hostname, finishing os and starting hostname with `merged` or with two calls. */
  async function runTwoSteps(merged: boolean) {
    const scan = await insertScan(db.pool);
    const lease = (await claimScan(db.pool, {
      workerId: 'w-steps',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    expect(lease.id).toBe(scan.id);
    await lease.resetSteps(['os', 'hostname']);
    await lease.startStep(0, 'os', 0);
    if (merged) {
      await lease.finishStepAndStart(
        0,
        'os',
        50,
        { hostname: 'x' },
        { position: 1, name: 'hostname' },
      );
    } else {
      await lease.finishStep(0, 'os', 50, { part: { hostname: 'x' } });
      await lease.startStep(1, 'hostname', 50);
    }
    await lease.finishStep(1, 'hostname', 100, { part: { uptimeSeconds: 7 } });
    const events = (await eventsOf(db.pool, scan.id, { full: true })).map(
      ({ seq, status, step, progress, message }) => ({ seq, status, step, progress, message }),
    );
    const steps = (
      await db.pool.query<{ position: number; status: string; timed: boolean }>(
        `select position, status, started_at is not null and completed_at is not null as timed
           from scan_steps where scan_id = $1 order by position`,
        [scan.id],
      )
    ).rows;
    const result = (
      await db.pool.query<{ data: unknown }>(`select data from scan_results where scan_id = $1`, [
        scan.id,
      ])
    ).rows[0]?.data;
    const row = await scanRow(db.pool, scan.id);
    return {
      lease,
      events,
      steps,
      result,
      row: { last_seq: row.last_seq, current_step: row.current_step, progress: row.progress },
    };
  }

  it('leaves the same events, steps, result and scan row as finishStep then startStep', async () => {
    const separate = await runTwoSteps(false);
    const merged = await runTwoSteps(true);
    expect(merged.events).toEqual(separate.events);
    expect(merged.events.map((e) => e.message)).toEqual([
      expect.any(String),
      expect.stringMatching(/^claimed by /),
      'step os started',
      'step os done',
      'step hostname started',
      'step hostname done',
    ]);
    expect(merged.steps).toEqual(separate.steps);
    expect(merged.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(merged.result).toEqual({ hostname: 'x', uptimeSeconds: 7 });
    expect(merged.row).toEqual(separate.row);
  });

  it('writes nothing and throws LeaseLostError once another attempt owns the scan', async () => {
    const { lease } = await runTwoSteps(true);
    await db.pool.query(`update scans set attempt = attempt + 1 where id = $1`, [lease.id]);
    const before = await eventsOf(db.pool, lease.id);
    await expect(
      lease.finishStepAndStart(1, 'hostname', 100, { hostname: 'y' }, { position: 2, name: 'x' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await eventsOf(db.pool, lease.id)).toEqual(before);
  });
});

describe('attempt history', () => {
  async function attemptsOf(id: string) {
    return (
      await db.pool.query(
        `select attempt, worker_id, outcome, error_code, ended_at is not null as ended
         from scan_attempts where scan_id = $1 order by attempt`,
        [id],
      )
    ).rows;
  }

  it('records each attempt with its worker and why it ended, whoever ended it', async () => {
    const scan = await insertScan(db.pool, { maxAttempts: 3 });
    await claimScan(db.pool, { workerId: 'worker-a', hostname: 'irrelevant', leaseMs: 30_000 });
    expect(await attemptsOf(scan.id)).toEqual([
      { attempt: 1, worker_id: 'worker-a', outcome: 'RUNNING', error_code: null, ended: false },
    ]);
    await expireLeases(db.pool);
    await reapExpiredLeases(db.pool);
    const second = (await claimScan(db.pool, {
      workerId: 'worker-b',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await second.retryLater(0, { code: 'CONNECTION_REFUSED', message: 'refused' });
    const third = (await claimScan(db.pool, {
      workerId: 'worker-c',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await third.release();
    const fourth = (await claimScan(db.pool, {
      workerId: 'worker-d',
      hostname: 'irrelevant',
      leaseMs: 30_000,
    }))!;
    await fourth.resetSteps(['os']);
    await fourth.finish({
      status: 'COMPLETED',
      progress: 100,
      failure: null,
      message: 'completed',
    });
    expect(await attemptsOf(scan.id)).toEqual([
      {
        attempt: 1,
        worker_id: 'worker-a',
        outcome: 'REQUEUED',
        error_code: 'WORKER_LOST',
        ended: true,
      },
      {
        attempt: 2,
        worker_id: 'worker-b',
        outcome: 'REQUEUED',
        error_code: 'CONNECTION_REFUSED',
        ended: true,
      },
      { attempt: 3, worker_id: 'worker-c', outcome: 'REQUEUED', error_code: null, ended: true },
      { attempt: 4, worker_id: 'worker-d', outcome: 'COMPLETED', error_code: null, ended: true },
    ]);
  });
});
