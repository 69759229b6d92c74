/** An API-only process reaps expired leases too, so no worker has to survive for recovery. */
import { claimScan } from '../../src/queue/claim';
import type { TestDatabase } from '../support/db';
import { insertScan, scanRow } from '../support/fixtures';
import type { RunningService } from '../support/service';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;
let db: TestDatabase;
let api: RunningService;

beforeAll(async () => {
  stack = await startStack({
    sshd: false,
    processes: ['api'],
    env: { REAPER_INTERVAL_MS: '200' },
  });
  ({ db, service: api } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

it('re-queues a scan whose worker vanished, with only an API process running', async () => {
  const scan = await insertScan(db.pool);
  // A "worker" that claims with a 500 ms lease and is never heard from again.
  const lease = await claimScan(db.pool, {
    workerId: 'vanished-worker',
    hostname: 'irrelevant',
    leaseMs: 500,
  });
  expect(lease?.id).toBe(scan.id);
  const deadline = Date.now() + 10_000;
  let row = await scanRow(db.pool, scan.id);
  while (row.status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    row = await scanRow(db.pool, scan.id);
  }
  expect(row.status).toBe('PENDING');
  expect(row.worker_id).toBeNull();
  // The log line is written after the reap commits: wait for it, do not race it.
  await expect(api.waitForLog(/reaped an expired lease/, 5_000)).resolves.toBeTruthy();
});
