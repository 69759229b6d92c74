/**
 * Worker presence (Query.workers) on a real PostgreSQL: what a worker writes
 * about itself, and what the API reads back.
 */
import pino from 'pino';

import { createLogger } from '../../src/logger';
import { claimScan } from '../../src/queue/claim';
import { pruneWorkers, WorkerPresence } from '../../src/queue/presence';
import { WorkerService } from '../../src/services/worker.service';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;
let service: WorkerService;
const log = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
  service = new WorkerService(db.pool);
});

afterAll(async () => {
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('truncate workers');
  await db.pool.query('truncate scans, hosts cascade');
});

function presence(id: string, pools: string[] = ['default'], ttlMs = 30_000): WorkerPresence {
  return new WorkerPresence({
    pgPool: db.pool,
    log,
    id,
    hostname: 'box-1',
    pools,
    concurrency: 3,
    ttlMs,
  });
}

it('shows a worker from its first beat, ACTIVE, with its pools and concurrency', async () => {
  await presence('w-a', ['default', 'dmz']).beat();
  const [w] = await service.list(null);
  expect(w).toMatchObject({
    id: 'w-a',
    hostname: 'box-1',
    pools: ['default', 'dmz'],
    concurrency: 3,
    running: 0,
    state: 'ACTIVE',
  });
  expect(w!.lastSeenAt.getTime()).toBeGreaterThanOrEqual(w!.startedAt.getTime());
});

it('renews lastSeenAt on every beat and keeps startedAt', async () => {
  const p = presence('w-b');
  await p.beat();
  const [first] = await service.list(null);
  await new Promise((r) => setTimeout(r, 20));
  await p.beat();
  const [second] = await service.list(null);
  expect(second!.startedAt).toEqual(first!.startedAt);
  expect(second!.lastSeenAt.getTime()).toBeGreaterThan(first!.lastSeenAt.getTime());
});

it('comes back at the next beat when its row was deleted', async () => {
  const p = presence('w-c');
  await p.beat();
  await db.pool.query('truncate workers');
  expect(await service.list(null)).toEqual([]);
  await p.beat();
  expect((await service.list(null)).map((w) => w.id)).toEqual(['w-c']);
});

it('is STOPPING once a graceful shutdown begins, and gone once it stopped', async () => {
  const p = presence('w-d');
  await p.beat();
  await p.markStopping();
  expect((await service.list(null)).map((w) => w.state)).toEqual(['STOPPING']);
  await p.remove();
  expect(await service.list(null)).toEqual([]);
});

it('is LOST once its last beat has expired, and pruned a day later', async () => {
  await presence('w-e', ['default'], 1).beat();
  await new Promise((r) => setTimeout(r, 20));
  expect((await service.list(null)).map((w) => [w.id, w.state])).toEqual([['w-e', 'LOST']]);
  expect(await pruneWorkers(db.pool)).toBe(0);
  await db.pool.query(`update workers set expires_at = now() - interval '25 hours'`);
  expect(await pruneWorkers(db.pool)).toBe(1);
  expect(await service.list(null)).toEqual([]);
});

it('counts the scans each worker holds RUNNING', async () => {
  await presence('w-f').beat();
  await presence('w-g').beat();
  await insertScan(db.pool);
  await insertScan(db.pool);
  await insertScan(db.pool);
  expect(
    await claimScan(db.pool, { workerId: 'w-f', hostname: 'box-1', leaseMs: 30_000 }),
  ).not.toBeNull();
  expect(
    await claimScan(db.pool, { workerId: 'w-f', hostname: 'box-1', leaseMs: 30_000 }),
  ).not.toBeNull();
  expect(
    await claimScan(db.pool, { workerId: 'w-g', hostname: 'box-1', leaseMs: 30_000 }),
  ).not.toBeNull();
  const lease = await claimScan(db.pool, { workerId: 'w-g', hostname: 'box-1', leaseMs: 30_000 });
  expect(lease).toBeNull();
  expect((await service.list(null)).map((w) => [w.id, w.running])).toEqual([
    ['w-f', 2],
    ['w-g', 1],
  ]);
});

it('lists only the workers serving a pool when asked, and refuses a malformed pool', async () => {
  await presence('w-h', ['default']).beat();
  await presence('w-i', ['dmz', 'lab']).beat();
  expect((await service.list('lab')).map((w) => w.id)).toEqual(['w-i']);
  expect((await service.list('default')).map((w) => w.id)).toEqual(['w-h']);
  expect(await service.list('nowhere')).toEqual([]);
  await expect(service.list("x' or 1=1 --")).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT' },
  });
});

it('never throws when the database refuses the write, and logs once until it works again', async () => {
  const lines: string[] = [];
  const capture = pino(
    { level: 'info' },
    {
      write: (l: string) => {
        lines.push(l);
      },
    },
  );
  const p = new WorkerPresence({
    pgPool: db.pool,
    log: capture,
    id: 'w-j',
    hostname: 'box-1',
    pools: ['default'],
    concurrency: 1,
    ttlMs: 30_000,
  });
  await db.pool.query('alter table workers rename to workers_away');
  try {
    await expect(p.beat()).resolves.toBeUndefined();
    await expect(p.beat()).resolves.toBeUndefined();
  } finally {
    await db.pool.query('alter table workers_away rename to workers');
  }
  await p.beat();
  const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  expect(msgs).toEqual(['could not record worker presence', 'worker presence recorded again']);
  expect((await service.list(null)).map((w) => w.id)).toEqual(['w-j']);
});

it('never overlaps its writes, so a shutdown is not overwritten by an older beat', async () => {
  const p = presence('w-k');
  await p.beat();
  // A beat in flight when the shutdown begins must not land after it.
  const inFlight = p.beat();
  const stopping = p.markStopping();
  await Promise.all([inFlight, stopping]);
  expect((await service.list(null)).map((w) => w.state)).toEqual(['STOPPING']);
  const again = p.beat();
  await p.remove();
  await again;
  expect(await service.list(null)).toEqual([]);
});
