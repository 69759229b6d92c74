/**
 * The scheduler on a real PostgreSQL: a due time starts its scans once
 * however many schedulers tick at it, a schedule due many times over runs
 * once for the latest, a busy target is skipped and recorded, and schedules
 * are validated as they are written.
 */
import { createLogger } from '../../src/logger';
import { Scheduler } from '../../src/scheduler/scheduler';
import { ScheduleService } from '../../src/services/schedule.service';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;
let schedules: ScheduleService;
const log = createLogger('silent');
const ops = { keyId: null, name: 'ops', role: 'OPERATOR' as const };
const scanDefaults = { timeoutSeconds: 600, maxAttempts: 3 };
let run = 0;
const host = (i: number | string) => `t${run}-h${i}.sched.test`;

beforeAll(async () => {
  db = await createTestDatabase();
  schedules = new ScheduleService(db.pool);
});

afterAll(async () => {
  await db.drop();
});

beforeEach(() => {
  run++;
});

/** Makes the schedule due, as if its next due time were `secondsAgo` in the past. */
const makeDue = (id: string, secondsAgo: number) =>
  db.pool.query(
    `update schedules set next_run_at = now() - $2 * interval '1 second' where id = $1`,
    [id, secondsAgo],
  );

const runsOf = (id: string) =>
  db.pool.query<{
    due_at: Date;
    scan_ids: string[];
    skipped: Array<{ index: number; scanId: string | null; reason: string }>;
  }>(`select due_at, scan_ids, skipped from schedule_runs where schedule_id = $1 order by due_at`, [
    id,
  ]);

it('starts a due time once with five schedulers on their own connections ticking at it', async () => {
  const s = await schedules.create(ops, {
    name: `five-${run}`,
    targets: [0, 1, 2].map((i) => ({ hostname: host(i) })),
    type: 'QUICK',
    cron: '0 * * * *', // hourly
  });
  await makeDue(s.id, 1);
  const pools = Array.from({ length: 5 }, () => testPool(db.url, 2));
  try {
    const schedulers = pools.map(
      (pgPool) => new Scheduler({ pgPool, log, tickMs: 60_000, scanDefaults }),
    );
    // Each ticks several times at once: 15 attempts at one due time.
    const outcomes = (
      await Promise.all(schedulers.flatMap((x) => [x.tick(), x.tick(), x.tick()]))
    ).flat();
    expect(outcomes).toHaveLength(1);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
  const runs = await runsOf(s.id);
  expect(runs.rows).toHaveLength(1);
  expect(runs.rows[0]!.scan_ids).toHaveLength(3);
  const scans = await db.pool.query(`select s.id from scans s where s.requested_by = $1`, [
    `schedule:five-${run}`,
  ]);
  expect(scans.rowCount).toBe(3);
  const after = (await schedules.get(s.id))!;
  expect(after.lastRunAt!.getTime()).toBe(runs.rows[0]!.due_at.getTime());
  expect(after.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
});

it('runs a schedule missed many times over once, for its latest due time', async () => {
  const s = await schedules.create(ops, {
    name: `missed-${run}`,
    targets: [{ hostname: host(0) }],
    type: 'FULL',
    cron: '*/5 * * * *',
    timezone: 'Asia/Kolkata', // a half-hour offset: due times still fall on 5-minute marks
  });
  await makeDue(s.id, 3 * 3600); // three hours down: 36 due times passed
  const scheduler = new Scheduler({ pgPool: db.pool, log, tickMs: 60_000, scanDefaults });
  const first = await scheduler.tick();
  const second = await scheduler.tick();
  expect(first.filter((o) => o.scheduleId === s.id)).toHaveLength(1);
  expect(second.filter((o) => o.scheduleId === s.id)).toHaveLength(0);
  const runs = await runsOf(s.id);
  expect(runs.rows).toHaveLength(1);
  const due = runs.rows[0]!.due_at;
  // The latest 5-minute mark at or before now.
  const now = Date.now();
  expect(due.getTime() % 300_000).toBe(0);
  expect(due.getTime()).toBeLessThanOrEqual(now);
  expect(now - due.getTime()).toBeLessThan(300_000 + 5_000);
});

it('skips a target whose previous scan is still active, and records it on the run', async () => {
  const busy = await insertScan(db.pool, { hostname: host('busy'), type: 'QUICK' });
  const s = await schedules.create(ops, {
    name: `skip-${run}`,
    targets: [{ hostname: host(0) }, { hostname: host('busy') }],
    type: 'QUICK',
    cron: '0 0 * * *',
  });
  await makeDue(s.id, 1);
  const scheduler = new Scheduler({ pgPool: db.pool, log, tickMs: 60_000, scanDefaults });
  const [outcome] = (await scheduler.tick()).filter((o) => o.scheduleId === s.id);
  expect(outcome!.scanIds).toHaveLength(1);
  expect(outcome!.skipped).toEqual([
    { index: 1, hostname: host('busy'), port: 22, reason: 'SCAN_IN_PROGRESS', scanId: busy.id },
  ]);
  const [stored] = await schedules.runs(s.id, 5);
  expect(stored!.skipped).toEqual(outcome!.skipped);
  expect(stored!.scanIds).toEqual(outcome!.scanIds);
});

it('refuses bad cron expressions, time zones and targets with BAD_USER_INPUT naming the field', async () => {
  const base = { name: `v-${run}`, targets: [{ hostname: host(0) }], type: 'QUICK' as const };
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ cron: 'every day' }, 'cron', /five, six, or seven/],
    [{ cron: '61 * * * *' }, 'cron', /minute/],
    [{ cron: '* * * * * * *' }, 'cron', /5 or 6 parts/],
    [{ cron: '0 0 30 2 *' }, 'cron', /never fires/],
    [{ cron: '0 * * * *', timezone: 'Mars/Olympus' }, 'timezone', /IANA/],
    [{ cron: '0 * * * *', name: '' }, 'name', /1 to 100/],
    [{ cron: '0 * * * *', targets: [] }, 'targets', /1 to 1000/],
    [
      { cron: '0 * * * *', targets: [{ hostname: 'bad host' }] },
      'targets[0].hostname',
      /host name/,
    ],
    [
      { cron: '0 * * * *', targets: [{ hostname: host(1) }, { hostname: host(1).toUpperCase() }] },
      'targets[1]',
      /again/,
    ],
  ];
  for (const [over, field, message] of cases) {
    const e = await schedules.create(ops, { cron: '', ...base, ...over } as never).catch((x) => x);
    expect({ field, code: e.extensions?.code, gotField: e.extensions?.field }).toEqual({
      field,
      code: 'BAD_USER_INPUT',
      gotField: field,
    });
    expect(e.message).toMatch(message);
  }
  const none = await db.pool.query(`select 1 from schedules where name = $1`, [`v-${run}`]);
  expect(none.rowCount).toBe(0);
  // A taken name, and an update with a bad cron, are refused too.
  const ok = await schedules.create(ops, { ...base, cron: '0 * * * *' });
  await expect(schedules.create(ops, { ...base, cron: '0 * * * *' })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT', field: 'name' },
  });
  await expect(schedules.update(ok.id, { cron: 'nope' })).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT', field: 'cron' },
  });
});

it('computes nextRunAt in the time zone, clears it while disabled, and deletes runs with the schedule', async () => {
  const s = await schedules.create(ops, {
    name: `tz-${run}`,
    targets: [{ hostname: host(0) }],
    type: 'QUICK',
    cron: '30 9 * * *',
    timezone: 'America/New_York',
  });
  const local = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(s.nextRunAt!);
  expect(local).toBe('09:30');
  const off = await schedules.update(s.id, { enabled: false });
  expect(off.nextRunAt).toBeNull();
  const on = await schedules.update(s.id, { enabled: true, cron: '*/10 * * * * *' });
  expect(on.nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(10_000);
  await makeDue(s.id, 1);
  await new Scheduler({ pgPool: db.pool, log, tickMs: 60_000, scanDefaults }).tick();
  expect((await runsOf(s.id)).rowCount).toBe(1);
  await schedules.delete(s.id);
  expect((await runsOf(s.id)).rowCount).toBe(0);
  expect(await schedules.get(s.id)).toBeNull();
});
