import type { EventHub } from '../../src/events/hub';
import type { ScanEvent } from '../../src/events/scan-event';
import { EVENTS_AFTER_MANY } from '../../src/events/sql';
import type { TestDatabase } from '../support/db';
import { drain, startTestHub, type TestHub } from '../support/events';
import { insertScan, runScan } from '../support/fixtures';

let testHub: TestHub;
let db: TestDatabase;
let hub: EventHub;
let queries: string[];

beforeAll(async () => {
  // Counts what the hub reads, to prove reads do not scale with subscribers.
  testHub = await startTestHub();
  ({ db, hub, queries } = testHub);
});

afterAll(async () => {
  await testHub.stop();
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
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
  expect(events.map((e) => e.step)).toEqual([null, null, 'os', 'os', 'hostname', 'hostname', null]);
});

it('replays every event after afterSeq, none twice, for a client that reconnects', async () => {
  const scan = await insertScan(db.pool);
  await runScan(db.pool, 'w2');
  const stream = (await hub.subscribeScan(scan.id, 3))!;
  const events = await drain(stream);
  expect(events.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
});

it('completes at once for a finished scan when afterSeq is its last event', async () => {
  const scan = await insertScan(db.pool);
  await runScan(db.pool, 'w3');
  const events = await drain((await hub.subscribeScan(scan.id, 7))!);
  expect(events).toEqual([]);
});

it('gives a late subscriber of a finished scan its terminal state and completes', async () => {
  const scan = await insertScan(db.pool);
  await runScan(db.pool, 'w4');
  const events = await drain((await hub.subscribeScan(scan.id, null))!);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ seq: 7, status: 'COMPLETED', progress: 100 });
});

it('follows a scan whose id is given in upper case', async () => {
  const scan = await insertScan(db.pool);
  const stream = (await hub.subscribeScan(scan.id.toUpperCase(), null))!;
  const received = drain(stream);
  await runScan(db.pool, 'w-upper');
  const events = await received;
  expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
});

it('returns null for a scan that does not exist', async () => {
  expect(await hub.subscribeScan('00000000-0000-4000-8000-000000000000', null)).toBeNull();
});

it('reads the logs of scans that move together in one statement, not one per scan', async () => {
  const scans = await Promise.all(Array.from({ length: 10 }, () => insertScan(db.pool)));
  const streams = await Promise.all(scans.map((s) => hub.subscribeScan(s.id, null)));
  const all = Promise.all(streams.map((s) => drain(s!)));
  // Let each subscription's own first read finish before counting.
  await new Promise((r) => setTimeout(r, 200));
  queries.length = 0;
  // One transaction ends all ten: ten NOTIFYs arrive together at its commit.
  await db.pool.query(
    `with s as (update scans set status = 'CANCELLED', last_seq = last_seq + 1, completed_at = now()
       where id = any($1::uuid[]) returning id, last_seq)
     insert into scan_events (scan_id, seq, status, progress, message)
       select id, last_seq, 'CANCELLED', 0, 'cancelled' from s`,
    [scans.map((s) => s.id)],
  );
  const results = await all;
  for (const events of results)
    expect(events.map((e) => e.status)).toEqual(['PENDING', 'CANCELLED']);
  // One read per scan would be 10.
  const reads = queries.filter((q) => q === EVENTS_AFTER_MANY).length;
  expect(reads).toBeGreaterThanOrEqual(1);
  expect(reads).toBeLessThanOrEqual(2);
});

it('reads each event once for 50 subscribers, not once per subscriber', async () => {
  const scan = await insertScan(db.pool);
  const streams = await Promise.all(
    Array.from({ length: 50 }, () => hub.subscribeScan(scan.id, null)),
  );
  const all = Promise.all(streams.map((s) => drain(s!)));
  queries.length = 0;
  await runScan(db.pool, 'w5');
  const results = await all;
  for (const events of results) {
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }
  const eventReads = queries.filter((q) => q === EVENTS_AFTER_MANY).length;
  // 6 new events plus the subscribers' initial catch-up (coalesced into one
  // read for all 50); NOTIFYs may coalesce further. Per-subscriber reads would be >= 300.
  expect(eventReads).toBeGreaterThan(0);
  expect(eventReads).toBeLessThanOrEqual(7);
  expect(hub.subscriberCount).toBe(0);
});

it('delivers events of every scan to dashboards, filtered by status', async () => {
  const all = await hub.subscribeAll(null);
  const finishedOnly = await hub.subscribeAll({ statuses: ['COMPLETED'] });
  const a = await insertScan(db.pool);
  const b = await insertScan(db.pool);
  await runScan(db.pool, 'w6');
  await runScan(db.pool, 'w7');
  const seen: ScanEvent[] = [];
  const finished: ScanEvent[] = [];
  const deadline = Date.now() + 10_000;
  const pull = async (it: AsyncIterableIterator<ScanEvent>, into: ScanEvent[], want: number) => {
    while (into.length < want && Date.now() < deadline) {
      const r = await Promise.race([
        it.next(),
        new Promise<null>((res) => setTimeout(() => res(null), 500)),
      ]);
      if (r && !r.done) into.push(r.value);
    }
  };
  await Promise.all([pull(all, seen, 14), pull(finishedOnly, finished, 2)]);
  await all.return();
  await finishedOnly.return();
  for (const id of [a.id, b.id]) {
    const seqs = seen.filter((e) => e.scanId === id).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs[seqs.length - 1]).toBe(7);
  }
  expect(finished.map((e) => e.status)).toEqual(['COMPLETED', 'COMPLETED']);
  expect(new Set(finished.map((e) => e.scanId))).toEqual(new Set([a.id, b.id]));
});

it('catches a subscriber up after the LISTEN connection is killed', async () => {
  const scan = await insertScan(db.pool);
  const stream = (await hub.subscribeScan(scan.id, null))!;
  const received = drain(stream, 20_000);
  // Kill the hub's LISTEN backend, then produce events while it reconnects.
  const killed = await db.pool.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
     where datname = current_database() and application_name = 'hostscan-api-listen'`,
  );
  expect(killed.rowCount).toBe(1);
  await runScan(db.pool, 'w8');
  const events = await received;
  expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
});

it('completes after the terminal event for a client whose afterSeq is past the end of a running scan', async () => {
  const scan = await insertScan(db.pool);
  // The client says it has seen seq 1000: nothing is sent, but the stream must still end.
  const received = drain((await hub.subscribeScan(scan.id, 1000))!, 50_000);
  await runScan(db.pool, 'w-past-end');
  // unref: when the stream ends first, this timer must not hold the jest worker.
  const stillOpen = new Promise<'still open'>((r) =>
    setTimeout(() => r('still open'), 15_000).unref(),
  );
  expect(await Promise.race([received, stillOpen])).toEqual([]);
});
