/**
 * startScans on a real PostgreSQL: per-target outcomes in input order, a
 * fixed number of statements whatever the batch size, idempotent repeats,
 * concurrent overlapping batches, and how a batch counts against the rate
 * limit.
 */
import type { GraphQLError } from 'graphql';
import type pg from 'pg';

import type { Principal } from '../../src/auth/authenticator';
import { RateLimiter } from '../../src/services/rate-limit';
import { ScanService } from '../../src/services/scan.service';
import type { StartScansOutcome } from '../../src/services/scan.types';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;
const DEFAULTS = { defaultScanTimeoutSeconds: 600, maxAttempts: 3 };
const ops: Principal = { keyId: null, name: 'ops', role: 'OPERATOR' };
let run = 0;
/** Host names unique to one test. */
const host = (i: number | string) => `t${run}-h${i}.batch.test`;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

beforeEach(() => {
  run++;
});

/** The pool with a count of the statements sent through it. */
function countingPool(pool: pg.Pool): { pool: pg.Pool; statements: () => number } {
  let n = 0;
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query')
        return (...args: unknown[]) => {
          n++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { pool: counted, statements: () => n };
}

const codes = (out: StartScansOutcome) => out.results.map((r) => r.error?.code ?? 'OK');

it('starts the valid targets and gives each bad or busy one its own error, in input order', async () => {
  const busy = await insertScan(db.pool, { hostname: host('busy'), type: 'QUICK' });
  const credential = await db.pool.query<{ id: string }>(
    `insert into credentials (id, name, username, kind, secret)
     values (gen_random_uuid(), $1, 'scan', 'PRIVATE_KEY', '\\x00') returning id`,
    [`cred-${run}`],
  );
  const service = new ScanService(db.pool, DEFAULTS);
  const out = await service.startMany(ops, {
    type: 'QUICK',
    priority: 5,
    targets: [
      { hostname: host(0) },
      { hostname: 'not a host!' },
      { hostname: host('busy') },
      { hostname: host(3), port: 70_000 },
      { hostname: host(4).toUpperCase() + '.', port: 2222, username: 'scan' },
      { hostname: host(5), credentialId: '7d1c2a3e-0000-4000-8000-000000000000' },
      { hostname: host(6), credentialId: credential.rows[0]!.id },
      { hostname: host(0) }, // the same host again
      { hostname: host(8), username: '-oProxyCommand=x' },
    ],
  });
  expect(codes(out)).toEqual([
    'OK',
    'BAD_USER_INPUT',
    'SCAN_IN_PROGRESS',
    'BAD_USER_INPUT',
    'OK',
    'BAD_USER_INPUT',
    'OK',
    'SCAN_IN_PROGRESS',
    'BAD_USER_INPUT',
  ]);
  expect(out.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  expect(out.results.map((r) => r.error?.field ?? null)).toEqual([
    null,
    'targets[1].hostname',
    null,
    'targets[3].port',
    null,
    'targets[5].credentialId',
    null,
    null,
    'targets[8].username',
  ]);
  expect(out.results[2]!.error!.scanId).toBe(busy.id);
  expect(out.results[7]!.error!.scanId).toBe(out.results[0]!.scan!.id);
  expect(out.results[2]!.error!.message).toContain(`${host('busy')}:22`);
  expect([out.startedCount, out.failedCount]).toEqual([3, 6]);
  for (const r of out.results) expect((r.scan === null) !== (r.error === null)).toBe(true);

  // What was stored: each started scan with its host, options and first event.
  const ids = out.results.flatMap((r) => (r.scan ? [r.scan.id] : []));
  const rows = await db.pool.query<{
    id: string;
    hostname: string;
    port: number;
    status: string;
    priority: number;
    username: string | null;
    credential_id: string | null;
    requested_by: string;
    events: string;
  }>(
    `select s.id, h.hostname, h.port, s.status, s.priority, s.username, s.credential_id,
            s.requested_by, (select count(*) from scan_events e where e.scan_id = s.id) as events
     from scans s join hosts h on h.id = s.host_id where s.id = any($1::uuid[])`,
    [ids],
  );
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  expect(byId.get(out.results[0]!.scan!.id)).toMatchObject({ hostname: host(0), port: 22 });
  expect(byId.get(out.results[4]!.scan!.id)).toMatchObject({
    hostname: host(4), // canonical: lower case, no trailing dot
    port: 2222,
    username: 'scan',
  });
  expect(byId.get(out.results[6]!.scan!.id)!.credential_id).toBe(credential.rows[0]!.id);
  for (const r of rows.rows) {
    expect(r).toMatchObject({ status: 'PENDING', priority: 5, requested_by: 'ops', events: '1' });
  }
});

it('starts 1,000 scans with a fixed number of statements, and refuses 1,001 whole', async () => {
  const { pool, statements } = countingPool(db.pool);
  const service = new ScanService(pool, DEFAULTS);
  const targets = Array.from({ length: 1000 }, (_, i) => ({ hostname: host(i) }));
  const out = await service.startMany(ops, { type: 'FULL', targets });
  expect(out.startedCount).toBe(1000);
  expect(new Set(out.results.map((r) => r.scan!.id)).size).toBe(1000);
  expect(out.results.map((r) => r.index)).toEqual(targets.map((_, i) => i));
  // Validation, one insert of hosts + scans + events: not one round trip per target.
  expect(statements()).toBeLessThanOrEqual(2);
  const stored = await db.pool.query<{ n: string; e: string }>(
    `select count(*) as n, sum((select count(*) from scan_events e where e.scan_id = s.id)) as e
     from scans s join hosts h on h.id = s.host_id
     where h.hostname like $1 and s.type = 'FULL'`,
    [`t${run}-h%`],
  );
  expect(stored.rows[0]).toEqual({ n: '1000', e: '1000' });

  const again = await service.startMany(ops, { type: 'FULL', targets });
  expect(again.failedCount).toBe(1000);
  expect(again.results.every((r) => r.error?.code === 'SCAN_IN_PROGRESS')).toBe(true);
  expect(again.results.map((r) => r.error!.scanId)).toEqual(out.results.map((r) => r.scan!.id));

  const tooMany = Array.from({ length: 1001 }, (_, i) => ({ hostname: `t${run}-x${i}.test` }));
  const refused = await service.startMany(ops, { type: 'QUICK', targets: tooMany }).catch((e) => e);
  expect((refused as GraphQLError).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'targets',
  });
  const none = await db.pool.query(`select 1 from hosts where hostname like $1`, [`t${run}-x%`]);
  expect(none.rowCount).toBe(0);
  await expect(service.startMany(ops, { type: 'QUICK', targets: [] })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT', field: 'targets' },
  });
});

it('refuses a bad shared option for the whole batch', async () => {
  const service = new ScanService(db.pool, DEFAULTS);
  for (const [input, field] of [
    [{ priority: 1000 }, 'priority'],
    [{ timeoutSeconds: 0 }, 'timeoutSeconds'],
    [{ pool: 'Not A Pool' }, 'pool'],
    [{ refreshMetadata: true }, 'refreshMetadata'],
  ] as const) {
    await expect(
      service.startMany(ops, { type: 'QUICK', targets: [{ hostname: host(field) }], ...input }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
  }
  const none = await db.pool.query(`select 1 from hosts where hostname like $1`, [`t${run}-%`]);
  expect(none.rowCount).toBe(0);
});

it('returns the same scans for a repeated idempotency key, and refuses it for other targets', async () => {
  const service = new ScanService(db.pool, DEFAULTS);
  const targets = [{ hostname: host(0) }, { hostname: host(1) }, { hostname: 'bad host' }];
  const first = await service.startMany(ops, { type: 'QUICK', targets, idempotencyKey: 'k' });
  const second = await service.startMany(ops, { type: 'QUICK', targets, idempotencyKey: 'k' });
  expect(codes(first)).toEqual(['OK', 'OK', 'BAD_USER_INPUT']);
  expect(second.results.map((r) => r.scan?.id ?? null)).toEqual(
    first.results.map((r) => r.scan?.id ?? null),
  );
  const swapped = await service.startMany(ops, {
    type: 'QUICK',
    targets: [targets[1]!, targets[0]!],
    idempotencyKey: 'k',
  });
  expect(swapped.results.map((r) => r.error?.field)).toEqual(['idempotencyKey', 'idempotencyKey']);
});

it('lets concurrent batches over the same hosts start each host once, without deadlock', async () => {
  const service = new ScanService(db.pool, DEFAULTS);
  const hosts = Array.from({ length: 200 }, (_, i) => ({ hostname: host(i) }));
  const orders = [hosts, [...hosts].reverse(), [...hosts.slice(100), ...hosts.slice(0, 100)]];
  const outs = await Promise.all(
    orders.map((targets) => service.startMany(ops, { type: 'QUICK', targets })),
  );
  expect(outs.reduce((n, o) => n + o.startedCount, 0)).toBe(200);
  const byHost = new Map<string, Set<string>>();
  outs.forEach((o, k) =>
    o.results.forEach((r) => {
      const name = orders[k]![r.index]!.hostname;
      const id = r.scan?.id ?? r.error?.scanId;
      expect(id).toBeTruthy();
      if (!byHost.has(name)) byHost.set(name, new Set());
      byHost.get(name)!.add(id!);
    }),
  );
  // Every answer about a host names the one scan it got.
  expect([...byHost.values()].every((ids) => ids.size === 1)).toBe(true);
});

describe('rate limit', () => {
  beforeEach(async () => {
    await db.pool.query('truncate rate_limits');
  });

  it('counts a batch as one call and one target per scan, and takes nothing when refused', async () => {
    // 1 call a minute, burst 3; 10 targets a minute.
    const limiter = new RateLimiter(db.pool, 1, 3, 10);
    const service = new ScanService(db.pool, DEFAULTS, limiter);
    const principal: Principal = { keyId: `key-${run}`, name: 'k', role: 'OPERATOR' };
    const batch = (n: number, from: number) =>
      service.startMany(principal, {
        type: 'QUICK',
        targets: Array.from({ length: n }, (_, i) => ({ hostname: host(from + i) })),
      });
    expect((await batch(6, 0)).startedCount).toBe(6);
    // 4 targets left: a batch of 5 is refused and starts nothing ...
    const refused = await batch(5, 100).catch((e: GraphQLError) => e);
    expect((refused as GraphQLError).extensions.code).toBe('RATE_LIMITED');
    expect((refused as GraphQLError).extensions.retryAfterSeconds).toBeGreaterThan(0);
    const none = await db.pool.query(`select 1 from hosts where hostname = $1`, [host(100)]);
    expect(none.rowCount).toBe(0);
    // ... and took no token: 4 targets (and the second of 3 calls) are still there.
    expect((await batch(4, 200)).startedCount).toBe(4);
    // A single startScan draws on the same buckets: no target left.
    await expect(
      service.start(principal, { type: 'QUICK', target: { hostname: host(300) } }),
    ).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    // More targets than a minute's worth can never pass: refused as input, not as a wait.
    await expect(batch(11, 400)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'targets' },
    });
  });

  it('counts every call, however small: the call bucket refuses past its burst', async () => {
    const limiter = new RateLimiter(db.pool, 1, 2, 10_000);
    const service = new ScanService(db.pool, DEFAULTS, limiter);
    const principal: Principal = { keyId: `key-${run}`, name: 'k', role: 'OPERATOR' };
    const one = (i: number) =>
      service.startMany(principal, { type: 'QUICK', targets: [{ hostname: host(i) }] });
    await one(0);
    await one(1);
    await expect(one(2)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  });

  it('takes exactly the targets there are, with concurrent batches through two pools', async () => {
    // Two pools stand for two API processes.
    const pools = [testPool(db.url, 5), testPool(db.url, 5)];
    const limiters = pools.map((p) => new RateLimiter(p, 600, 1000, 100));
    const waits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => limiters[i % 2]!.take(`shared-${run}`, 7)),
    );
    await Promise.all(pools.map((p) => p.end()));
    // 100 targets hold 14 batches of 7.
    expect(waits.filter((w) => w === 0)).toHaveLength(14);
  });
});
