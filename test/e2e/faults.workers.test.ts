/**
 * Worker processes that die, freeze or shut down in the middle of a scan.
 * Two real worker processes share one database; the scan's disk step runs
 * `df` twice, DF_DELAY_S seconds each, on a real sshd, so the tests act while
 * it runs.
 */
import { TERMINAL_STATUSES } from '../../src/domain/states';
import * as sql from '../../src/queue/sql';
import { FAULTS_STACK, insertSshScan, LEASE, skipWithoutDelayedUser } from '../support/faults';
import { eventsOf, scanRow, stepsOf, waitFor } from '../support/fixtures';
import { logLines, type RunningService } from '../support/service';
import { DELAYED_DF_USER, DF_DELAY_S, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

/** The disk probe runs df twice (a probe for -l support, then the listing). */
const DISK_STEP_S = 2 * DF_DELAY_S;

let cluster: Stack;

beforeAll(async () => {
  cluster = await startStack(FAULTS_STACK);
});

afterEach(async () => {
  await cluster?.killAll();
});

afterAll(async () => {
  await cluster?.stop();
});

const skipWithoutUser = (): boolean => skipWithoutDelayedUser(cluster);

async function twoWorkers(
  env: Record<string, string> = {},
): Promise<Record<string, RunningService>> {
  const [a, b] = await Promise.all([
    cluster.startWorker('faults-w1', env),
    cluster.startWorker('faults-w2', env),
  ]);
  return { 'faults-w1': a!, 'faults-w2': b! };
}

/** Inserts a slow scan and waits until some worker runs its disk (slow) step. */
async function scanInSlowStep(): Promise<{ id: string; owner: string; survivor: string }> {
  const scan = await insertSshScan(cluster.db.pool, {
    port: cluster.sshd.port,
    username: DELAYED_DF_USER,
  });
  const owner = await waitFor('the disk step to start', async () => {
    const row = await scanRow(cluster.db.pool, scan.id);
    return row.status === 'RUNNING' && row.current_step === 'disk'
      ? (row.worker_id ?? undefined)
      : undefined;
  });
  const survivor = owner === 'faults-w1' ? 'faults-w2' : 'faults-w1';
  return { id: scan.id, owner, survivor };
}

const CLAIM = /^claimed by (\S+) \(attempt (\d+)\)$/;

function claims(
  events: Array<{ message: string | null }>,
): Array<{ worker: string; attempt: number }> {
  return events.flatMap((e) => {
    const m = CLAIM.exec(e.message ?? '');
    return m ? [{ worker: m[1]!, attempt: Number(m[2]) }] : [];
  });
}

const TERMINAL: readonly string[] = TERMINAL_STATUSES;

async function expectNothingRunning(id: string): Promise<void> {
  const running = await cluster.db.pool.query(
    `select id from scans where status = 'RUNNING'
     union all select scan_id from scan_steps where scan_id = $1 and status in ('RUNNING','PENDING')`,
    [id],
  );
  expect(running.rows).toEqual([]);
}

it('recovers a scan from a kill -9 worker within lease + reaper interval: the other worker completes attempt 2', async () => {
  if (skipWithoutUser()) return;
  const workers = await twoWorkers();
  const { id, owner, survivor } = await scanInSlowStep();

  const killedAt = Date.now();
  workers[owner]!.child.kill('SIGKILL');
  const claimedAt = await waitFor('the survivor to claim the scan', async () => {
    const row = await scanRow(cluster.db.pool, id);
    return row.attempt === 2 && row.worker_id === survivor ? Date.now() : undefined;
  });
  const endedAt = await waitFor(
    'the scan to end',
    async () =>
      TERMINAL.includes((await scanRow(cluster.db.pool, id)).status) ? Date.now() : undefined,
    30_000,
  );
  const toClaim = claimedAt - killedAt;
  const toEnd = endedAt - killedAt;
  process.stdout.write(
    `[faults] recovery after kill -9: ${toClaim} ms to the survivor's claim, ${toEnd} ms to the terminal state ` +
      `(LEASE_MS ${LEASE.LEASE_MS}, HEARTBEAT_MS ${LEASE.HEARTBEAT_MS}, REAPER_INTERVAL_MS ${LEASE.REAPER_INTERVAL_MS}, disk step ~${DISK_STEP_S} s)\n`,
  );
  // The lease was renewed at most one heartbeat before the kill, so it cannot
  // lapse sooner than LEASE_MS - HEARTBEAT_MS; and one reaper pass after it
  // lapses (plus a margin for the claim) the survivor must hold the scan.
  expect(toClaim).toBeGreaterThanOrEqual(LEASE.LEASE_MS - LEASE.HEARTBEAT_MS - 100);
  expect(toClaim).toBeLessThan(LEASE.LEASE_MS + LEASE.REAPER_INTERVAL_MS + 1_500);
  // Attempt 2 is a whole new run of the scan, slow step included.
  expect(toEnd).toBeLessThan(
    LEASE.LEASE_MS + LEASE.REAPER_INTERVAL_MS + DISK_STEP_S * 1000 + 5_000,
  );

  const row = await scanRow(cluster.db.pool, id);
  expect(row).toMatchObject({
    status: 'COMPLETED',
    attempt: 2,
    worker_id: survivor,
    error_code: null,
  });
  const events = await eventsOf(cluster.db.pool, id, { full: true });
  expect(claims(events)).toEqual([
    { worker: owner, attempt: 1 },
    { worker: survivor, attempt: 2 },
  ]);
  expect(events.filter((e) => TERMINAL.includes(e.status)).map((e) => e.status)).toEqual([
    'COMPLETED',
  ]);
  expect(events.some((e) => e.message === 'lease expired; re-queued')).toBe(true);
  expect((await stepsOf(cluster.db.pool, id)).map((s) => s.status)).toEqual(
    Array(5).fill('SUCCEEDED'),
  );
  await expectNothingRunning(id);
  expect(
    logLines(workers[survivor]!).some(
      (l) => l.msg === 'reaped an expired lease' && l.scanId === id,
    ),
  ).toBe(true);
});

it('drops every write of a worker frozen (SIGSTOP) past its lease once it resumes: only the new attempt is stored', async () => {
  if (skipWithoutUser()) return;
  const workers = await twoWorkers();
  const { id, owner, survivor } = await scanInSlowStep();
  const frozen = workers[owner]!;

  frozen.child.kill('SIGSTOP');
  // The survivor reaps the lapsed lease, claims attempt 2 and reaches its own
  // slow step. The frozen worker's remote commands ran on meanwhile: their
  // output waits in its socket for it to wake up.
  const takeoverSeq = await waitFor(
    'the survivor to reach the disk step',
    async () => {
      const row = await scanRow(cluster.db.pool, id);
      return row.attempt === 2 && row.worker_id === survivor && row.current_step === 'disk'
        ? row.last_seq
        : undefined;
    },
    15_000,
  );
  const before = await eventsOf(cluster.db.pool, id, { full: true });
  const takeover = before.find((e) => e.message === `claimed by ${survivor} (attempt 2)`)!;
  expect(takeover).toBeDefined();

  frozen.child.kill('SIGCONT');
  const abandoned = await waitFor(
    'the resumed worker to abandon the scan',
    async () => logLines(frozen).find((l) => l.msg === 'scan abandoned' && l.scanId === id),
    10_000,
  );
  expect(abandoned.attempt).toBe(1);

  // The resumed worker's "disk done" (and its result) touched no row: attempt
  // 2 still runs its own disk step, and nothing was logged after it started.
  const mid = await scanRow(cluster.db.pool, id);
  expect(mid).toMatchObject({
    status: 'RUNNING',
    attempt: 2,
    worker_id: survivor,
    current_step: 'disk',
  });
  expect(mid.last_seq).toBe(takeoverSeq);
  const midSteps = await stepsOf(cluster.db.pool, id);
  expect(midSteps.find((s) => s.name === 'disk')!.status).toBe('RUNNING');
  const midResult = await cluster.db.pool.query<{ data: Record<string, unknown> }>(
    `select data from scan_results where scan_id = $1`,
    [id],
  );
  expect(midResult.rows[0]?.data.disks).toBeUndefined();

  await waitFor(
    'the scan to end',
    async () => (TERMINAL.includes((await scanRow(cluster.db.pool, id)).status) ? true : undefined),
    30_000,
  );
  const row = await scanRow(cluster.db.pool, id);
  expect(row).toMatchObject({ status: 'COMPLETED', attempt: 2, worker_id: survivor });
  const events = await eventsOf(cluster.db.pool, id, { full: true });
  expect(claims(events)).toEqual([
    { worker: owner, attempt: 1 },
    { worker: survivor, attempt: 2 },
  ]);
  // After the takeover: exactly attempt 2's run, each step once, in order.
  expect(events.filter((e) => e.seq > takeover.seq).map((e) => e.message)).toEqual([
    'step os started',
    'step os done',
    'step hostname started',
    'step hostname done',
    'step uptime started',
    'step uptime done',
    'step disk started',
    'step disk done',
    'step memory started',
    'step memory done',
    'completed',
  ]);
  const steps = await stepsOf(cluster.db.pool, id);
  expect(steps.map((s) => s.status)).toEqual(Array(5).fill('SUCCEEDED'));
  for (const s of steps)
    expect(s.started_at!.getTime()).toBeGreaterThanOrEqual(takeover.at.getTime());
  const result = await cluster.db.pool.query<{ data: { disks?: unknown[] } }>(
    `select data from scan_results where scan_id = $1`,
    [id],
  );
  expect(result.rows[0]!.data.disks?.length).toBeGreaterThan(0);
  await expectNothingRunning(id);

  const frozenLog = logLines(frozen).filter((l) => l.scanId === id);
  expect(frozenLog.some((l) => /lease lost/.test(`${l.msg} ${l.err?.message ?? ''}`))).toBe(true);
  // The stale attempt wrote nothing it could have: no "completed" from it.
  expect(frozenLog.some((l) => l.level >= 50)).toBe(false);
});

it('releases a scan to PENDING without spending an attempt on SIGTERM past SHUTDOWN_GRACE_MS; another worker completes it and the process exits 0', async () => {
  if (skipWithoutUser()) return;
  const workers = await twoWorkers({ SHUTDOWN_GRACE_MS: '300' });
  const { id, owner, survivor } = await scanInSlowStep();
  const budgetBefore = await scanRow(cluster.db.pool, id);
  expect(budgetBefore).toMatchObject({ attempt: 1, max_attempts: 3 });

  const stopping = workers[owner]!;
  const exitCode = await stopping.stop(10_000);
  expect(exitCode).toBe(0);
  expect(stopping.child.signalCode).toBeNull();

  await waitFor(
    'the scan to end',
    async () => (TERMINAL.includes((await scanRow(cluster.db.pool, id)).status) ? true : undefined),
    30_000,
  );
  const row = await scanRow(cluster.db.pool, id);
  // Released without using up an attempt: the budget grew by the one spent.
  expect(row).toMatchObject({
    status: 'COMPLETED',
    attempt: 2,
    max_attempts: 4,
    worker_id: survivor,
  });
  const events = await eventsOf(cluster.db.pool, id, { full: true });
  expect(claims(events)).toEqual([
    { worker: owner, attempt: 1 },
    { worker: survivor, attempt: 2 },
  ]);
  const release = events.find((e) => e.message === 'released by a worker shutting down');
  expect(release?.status).toBe('PENDING');
  // The shutdown neither failed the scan nor any of its steps.
  expect(events.filter((e) => e.status === 'FAILED' || /failed/.test(e.message ?? ''))).toEqual([]);
  expect(events.some((e) => e.message === 'lease expired; re-queued')).toBe(false);
  expect((await stepsOf(cluster.db.pool, id)).map((s) => s.status)).toEqual(
    Array(5).fill('SUCCEEDED'),
  );
  await expectNothingRunning(id);
  const msgs = logLines(stopping).map((l) => l.msg);
  expect(msgs).toEqual(
    expect.arrayContaining([
      'grace period over; releasing running scans',
      'released on shutdown',
      'worker stopped',
    ]),
  );
});

it('keeps track of an attempt it claims again after its own stale attempt: SIGTERM still releases the new attempt', async () => {
  if (skipWithoutUser()) return;
  const worker = await cluster.startWorker('faults-solo', { SHUTDOWN_GRACE_MS: '300' });
  const { id } = await scanInSlowStep();
  worker.child.kill('SIGSTOP');
  // While it is frozen, its lease lapses and a reaper (this test, standing in
  // for another process) puts the scan back in the queue.
  const reaped = await waitFor(
    'the frozen lease to be reaped',
    async () => {
      const rows = (await cluster.db.pool.query<{ id: string; status: string }>(sql.REAP_EXPIRED))
        .rows;
      return rows.length > 0 ? rows : undefined;
    },
    10_000,
    100,
  );
  expect(reaped).toEqual([expect.objectContaining({ id, status: 'PENDING' })]);

  // On waking up the worker claims attempt 2 while attempt 1 still winds down.
  worker.child.kill('SIGCONT');
  await waitFor('attempt 1 to be abandoned', async () =>
    logLines(worker).find((l) => l.msg === 'scan abandoned' && l.scanId === id && l.attempt === 1),
  );
  await waitFor('attempt 2 to reach the disk step', async () => {
    const row = await scanRow(cluster.db.pool, id);
    return row.attempt === 2 && row.worker_id === 'faults-solo' && row.current_step === 'disk'
      ? true
      : undefined;
  });

  expect(await worker.stop(10_000)).toBe(0);
  const row = await scanRow(cluster.db.pool, id);
  expect(row).toMatchObject({ status: 'PENDING', attempt: 2, max_attempts: 4, worker_id: null });
  const events = await eventsOf(cluster.db.pool, id, { full: true });
  expect(events[events.length - 1]).toMatchObject({
    status: 'PENDING',
    message: 'released by a worker shutting down',
  });
});
