/**
 * Worker pools: `npm start` (API + a worker serving `default`) and a second
 * worker process serving only `dmz`, on one database and one real sshd. Each
 * scan runs on a worker of its pool; a scan of a pool nobody serves waits.
 */
import { gql, gqlOk, START } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

let stack: Stack;
let dmzWorker: RunningService;

beforeAll(async () => {
  stack = await startStack({
    processes: ['main'],
    env: { WORKER_ID: 'main-worker', POLL_INTERVAL_MS: '500' },
  });
  dmzWorker = await stack.start(
    'worker',
    { WORKER_ID: 'dmz-worker', WORKER_POOLS: 'dmz', POLL_INTERVAL_MS: '500' },
    /"msg":"worker started"/,
  );
});

afterAll(async () => {
  await dmzWorker?.stop();
  await stack?.stop();
});

const SCAN = `query($id: ID!) { scan(id: $id) { status pool workerId } }`;

async function scan(
  id: string,
): Promise<{ status: string; pool: string; workerId: string | null }> {
  const data = await gqlOk<{ scan: { status: string; pool: string; workerId: string | null } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    SCAN,
    { id },
  );
  return data.scan;
}

it('runs each scan on a worker of its pool, and leaves a scan of an unserved pool waiting', async () => {
  expect(dmzWorker.logs()).toMatch(/"pools":\["dmz"\]/);
  const inDmz = await stack.startScan({ target: stack.sshTarget(), type: 'QUICK', pool: 'dmz' });
  const inDefault = await stack.startScan({
    target: stack.sshTarget({ hostname: 'localhost' }),
    type: 'QUICK',
  });
  const unserved = await stack.startScan({
    target: stack.sshTarget(),
    type: 'FULL',
    pool: 'lab',
  });
  const [dmzEvents, defaultEvents] = await Promise.all([
    stack.follow(inDmz),
    stack.follow(inDefault),
  ]);
  expect(dmzEvents.at(-1)!.status).toBe('COMPLETED');
  expect(defaultEvents.at(-1)!.status).toBe('COMPLETED');
  expect(await scan(inDmz)).toEqual({ status: 'COMPLETED', pool: 'dmz', workerId: 'dmz-worker' });
  expect(await scan(inDefault)).toEqual({
    status: 'COMPLETED',
    pool: 'default',
    workerId: 'main-worker',
  });
  // Both workers have polled several times since (POLL_INTERVAL_MS 500).
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await scan(unserved)).toEqual({ status: 'PENDING', pool: 'lab', workerId: null });
  const cancelled = await gqlOk<{ cancelScan: { status: string } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `mutation($id: ID!) { cancelScan(id: $id) { status } }`,
    { id: unserved },
  );
  expect(cancelled.cancelScan.status).toBe('CANCELLED');
});

it('refuses a malformed pool name with BAD_USER_INPUT naming the field', async () => {
  for (const pool of ['', 'DMZ', 'has space', '-dash-first', 'x'.repeat(64), "dmz';--"]) {
    const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
      input: { target: stack.sshTarget(), type: 'QUICK', pool },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/pool/);
  }
});

it('treats the same idempotency key with another pool as a different request', async () => {
  const start = (pool: string) =>
    gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
      input: {
        target: stack.sshTarget({ hostname: 'ip6-localhost' }),
        type: 'QUICK',
        pool,
        idempotencyKey: 'pools-e2e-1',
      },
    });
  const first = await start('lab');
  expect(first.body.errors).toBeUndefined();
  const second = await start('dmz');
  expect(second.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(second.body.errors?.[0]?.message).toMatch(/idempotencyKey/);
});

const WORKERS = `query($pool: String) { workers(pool: $pool) { id hostname pools concurrency running state startedAt lastSeenAt } }`;

interface WorkerView {
  id: string;
  hostname: string;
  pools: string[];
  concurrency: number;
  running: number;
  state: string;
  startedAt: string;
  lastSeenAt: string;
}

async function workers(pool?: string): Promise<WorkerView[]> {
  return (
    await gqlOk<{ workers: WorkerView[] }>(stack.service.httpUrl, ADMIN_TOKEN, WORKERS, { pool })
  ).workers;
}

it('lists the running workers and the pools they serve, so an unserved pool shows', async () => {
  const all = await workers();
  expect(all.map((w) => [w.id, w.pools, w.state])).toEqual([
    ['dmz-worker', ['dmz'], 'ACTIVE'],
    ['main-worker', ['default'], 'ACTIVE'],
  ]);
  for (const w of all) {
    expect(w.concurrency).toBeGreaterThan(0);
    expect(Date.parse(w.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(w.startedAt));
  }
  expect((await workers('dmz')).map((w) => w.id)).toEqual(['dmz-worker']);
  expect(await workers('lab')).toEqual([]);
  const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, WORKERS, { pool: 'Not A Pool' });
  expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

it('removes a worker that stopped cleanly from the list', async () => {
  expect(await dmzWorker.stop()).toBe(0);
  expect(dmzWorker.logs()).toMatch(/"msg":"worker stopped"/);
  expect((await workers()).map((w) => w.id)).toEqual(['main-worker']);
});
