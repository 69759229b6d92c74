/**
 * The event hub in poll mode (EVENTS_MODE=poll, for PgBouncer in transaction
 * mode): no LISTEN connection, one read of the log per poll for every
 * subscriber, and the same guarantees as with LISTEN.
 */
import type { EventHub } from '../../src/events/hub';
import type { ScanEvent } from '../../src/events/scan-event';
import { SCANS_BY_IDS } from '../../src/events/sql';
import { claimScan } from '../../src/queue/claim';
import type { TestDatabase } from '../support/db';
import { drain, startTestHub, type TestHub } from '../support/events';
import { insertScan, runScan } from '../support/fixtures';

const POLL_MS = 100;

let testHub: TestHub;
let db: TestDatabase;
let hub: EventHub;
let queries: string[];

beforeAll(async () => {
  // Counts what the hub reads, to prove reads do not scale with subscribers.
  testHub = await startTestHub({ mode: 'poll', pollIntervalMs: POLL_MS });
  ({ db, hub, queries } = testHub);
});

afterAll(async () => {
  await testHub.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Poll passes' log reads issued so far (a pass issues the next only after the last finished). */
const pollReads = () => queries.filter((q) => q.includes('from scan_events where id >')).length;

/** Pulls from a dashboard stream until `want` events or the deadline. */
async function pull(
  it: AsyncIterableIterator<ScanEvent>,
  into: ScanEvent[],
  want: (seen: ScanEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!want(into) && Date.now() < deadline) {
    const r = await Promise.race([
      it.next(),
      new Promise<null>((res) => setTimeout(() => res(null), 200)),
    ]);
    if (r && !r.done) into.push(r.value);
  }
}

it('opens no LISTEN connection', async () => {
  const { rows } = await db.pool.query<{ application_name: string; query: string }>(
    `select application_name, query from pg_stat_activity
     where datname = current_database()
       and (application_name like 'hostscan-%listen' or query ilike 'listen %')`,
  );
  expect(rows).toEqual([]);
  // The hub is polling: its pool has run the poll statement.
  await sleep(POLL_MS * 3);
  expect(queries.some((q) => q.includes('from scan_events where id >'))).toBe(true);
});

it('sends the current state first, then every event in seq order, and completes after the terminal one', async () => {
  const scan = await insertScan(db.pool);
  const stream = (await hub.subscribeScan(scan.id, null))!;
  const received = drain(stream);
  await runScan(db.pool, 'w1');
  const events = await received;
  expect(events[0]).toMatchObject({ seq: 1, status: 'PENDING', message: 'current state' });
  expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(events.map((e) => e.progress)).toEqual([0, 0, 0, 50, 50, 100, 100]);
  expect(events.map((e) => e.step)).toEqual([null, null, 'os', 'os', 'hostname', 'hostname', null]);
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
  expect(events[events.length - 1]!.scan.status).toBe('COMPLETED');
});

it('replays every event after afterSeq, none twice, for a client that reconnects', async () => {
  const scan = await insertScan(db.pool);
  const lease = (await claimScan(db.pool, {
    workerId: 'w2',
    hostname: 'irrelevant',
    leaseMs: 30_000,
  }))!;
  await lease.resetSteps(['os', 'hostname']);
  await lease.startStep(0, 'os', 0);
  // Seq 4 is logged; resume after 3 while the scan is still running.
  const stream = (await hub.subscribeScan(scan.id, 3))!;
  const received = drain(stream);
  await sleep(POLL_MS * 2);
  await lease.finishStep(0, 'os', 50, { part: { hostname: 'h' } });
  await lease.startStep(1, 'hostname', 50);
  await lease.finishStep(1, 'hostname', 100, { part: { hostname: 'h' } });
  await lease.finish({ status: 'COMPLETED', progress: 100, failure: null, message: 'completed' });
  const events = await received;
  expect(events.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
});

it('completes at once for a finished scan when afterSeq is its last event, and gives a late subscriber the terminal state', async () => {
  const scan = await insertScan(db.pool);
  await runScan(db.pool, 'w3');
  expect(await drain((await hub.subscribeScan(scan.id, 7))!)).toEqual([]);
  const late = await drain((await hub.subscribeScan(scan.id, null))!);
  expect(late).toHaveLength(1);
  expect(late[0]).toMatchObject({ seq: 7, status: 'COMPLETED', progress: 100 });
});

it('reads the log once per poll for 50 subscribers, not once per subscriber', async () => {
  const scan = await insertScan(db.pool);
  queries.length = 0;
  const started = Date.now();
  const streams = await Promise.all(
    Array.from({ length: 50 }, () => hub.subscribeScan(scan.id, null)),
  );
  const all = Promise.all(streams.map((s) => drain(s!)));
  await runScan(db.pool, 'w5');
  const results = await all;
  const elapsed = Date.now() - started;
  for (const events of results) {
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }
  const polls = queries.filter((q) => q.includes('from scan_events where id >')).length;
  const catchUps = queries.filter((q) => q.includes('from scan_events where scan_id')).length;
  const scanReads = queries.filter((q) => q.includes('from scans where id = any')).length;
  // One poll read per interval whatever the number of subscribers (a
  // pass reads again only when a batch of 500 is full), plus the
  // subscribers' initial catch-up: subscribers arriving while a catch-up
  // read runs share the next one, so a few reads in all. Per-subscriber
  // reads would be >= 50.
  expect(polls).toBeGreaterThan(0);
  expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / POLL_MS) + 2);
  expect(catchUps).toBeLessThanOrEqual(10);
  // One read of the scans per poll that found events; a poll whose log read
  // ran before `queries` was reset may add its scans read to this count.
  expect(scanReads).toBeLessThanOrEqual(polls + 1);
  expect(hub.subscriberCount).toBe(0);
});

it('delivers events of every scan to dashboards from subscription on, filtered by status', async () => {
  const before = await insertScan(db.pool);
  // Wait until a poll that started after the insert has finished (the next
  // one starts only then): `before`'s seq 1 is read before anyone subscribes.
  const pollsAtInsert = pollReads();
  while (pollReads() < pollsAtInsert + 2) await sleep(10);
  const all = await hub.subscribeAll(null);
  const finishedOnly = await hub.subscribeAll({ statuses: ['COMPLETED'] });
  const a = await insertScan(db.pool);
  const b = await insertScan(db.pool);
  await runScan(db.pool, 'w6'); // `before`, the oldest PENDING scan
  await runScan(db.pool, 'w7'); // a
  await runScan(db.pool, 'w8'); // b
  const seen: ScanEvent[] = [];
  const finished: ScanEvent[] = [];
  await Promise.all([
    pull(all, seen, (s) => s.filter((e) => e.status === 'COMPLETED').length === 3),
    pull(finishedOnly, finished, (s) => s.length === 3),
  ]);
  await all.return!();
  await finishedOnly.return!();
  // `before` was logged at seq 1 before the dashboards subscribed.
  expect(seen.filter((e) => e.scanId === before.id).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
  for (const id of [a.id, b.id]) {
    expect(seen.filter((e) => e.scanId === id).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }
  expect(finished.map((e) => e.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  expect(new Set(finished.map((e) => e.scanId))).toEqual(new Set([before.id, a.id, b.id]));
});

it('delivers an event whose commit comes after a higher id was read', async () => {
  const dashboard = await hub.subscribeAll(null);
  const slow = await insertScan(db.pool);
  const fast = await insertScan(db.pool);
  const client = await db.pool.connect();
  try {
    // `slow` takes its event id first but commits last.
    await client.query('begin');
    await client.query(
      `with s as (update scans set last_seq = last_seq + 1, progress = 5 where id = $1 returning *)
       insert into scan_events (scan_id, seq, status, step, progress, message)
       select id, last_seq, status, null, progress, 'late commit' from s`,
      [slow.id],
    );
    await db.pool.query(
      `with s as (update scans set last_seq = last_seq + 1, progress = 5 where id = $1 returning *)
       insert into scan_events (scan_id, seq, status, step, progress, message)
       select id, last_seq, status, null, progress, 'early commit' from s`,
      [fast.id],
    );
    const seen: ScanEvent[] = [];
    await pull(dashboard, seen, (s) => s.some((e) => e.message === 'early commit'));
    await sleep(POLL_MS * 3);
    await client.query('commit');
    await pull(dashboard, seen, (s) => s.some((e) => e.message === 'late commit'));
    expect(seen.map((e) => [e.scanId, e.seq, e.message])).toEqual(
      expect.arrayContaining([
        [fast.id, 2, 'early commit'],
        [slow.id, 2, 'late commit'],
      ]),
    );
  } finally {
    client.release();
    await dashboard.return!();
  }
});

it('tells revocation listeners of a key revoked by any process, within a few polls', async () => {
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into api_keys (id, name, role, token_hash)
     values (gen_random_uuid(), 'poll-revoke', 'VIEWER', md5(random()::text)) returning id`,
  );
  const keyId = rows[0]!.id;
  const revoked: string[] = [];
  // Counted in revocation reads, not milliseconds: a slow commit on a busy
  // machine must not fail the test, a check that misses the key must.
  const revocationReads = () => queries.filter((q) => q.includes('from api_keys')).length;
  let readsWhenSeen: number | undefined;
  hub.onApiKeyRevoked((id) => {
    revoked.push(id);
    if (id === keyId) readsWhenSeen ??= revocationReads();
  });
  await sleep(POLL_MS * 2);
  expect(revoked).not.toContain(keyId);
  const at = Date.now();
  await db.pool.query(`update api_keys set revoked_at = now() where id = $1`, [keyId]);
  const readsAtCommit = revocationReads();
  while (!revoked.includes(keyId) && Date.now() - at < 5_000) await sleep(20);
  expect(revoked).toContain(keyId);
  // The first read issued after the commit reports it (one in flight may already have).
  expect(readsWhenSeen! - readsAtCommit).toBeLessThanOrEqual(1);
});

it('gives a dashboard the rows of a poll whose scan read failed, from the next poll', async () => {
  const dashboard = await hub.subscribeAll(null);
  const pool = testHub.hubPool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
  const real = pool.query.bind(pool);
  let failed = 0;
  pool.query = (...args: unknown[]) => {
    if (args[0] === SCANS_BY_IDS && failed === 0) {
      failed++;
      return Promise.reject(new Error('injected: the scan read failed'));
    }
    return real(...args);
  };
  try {
    // Its own worker pool: scans other tests left PENDING are not claimed instead.
    const scan = await insertScan(db.pool, { pool: 'read-fails' });
    await runScan(db.pool, 'w-read-fails', ['read-fails']);
    const seen: ScanEvent[] = [];
    await pull(dashboard, seen, (s) =>
      s.some((e) => e.scanId === scan.id && e.status === 'COMPLETED'),
    );
    expect(failed).toBe(1);
    expect(seen.filter((e) => e.scanId === scan.id).map((e) => e.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
  } finally {
    pool.query = real;
    await dashboard.return();
  }
});
