/**
 * Schedules across real processes on one database: three API processes and
 * two workers all run the scheduler, and a due time still starts its scans
 * once; after every process was down through several due times, the next
 * process to start runs the missed schedule once. Targets are LOCAL scans
 * of hosts no worker is on, so the scans stay PENDING and later runs record
 * them as skipped.
 */
import { waitFor } from '../support/fixtures';
import { gqlOk } from '../support/graphql';
import { logLines, type RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

let stack: Stack;
/** The three API processes, then the two workers. */
const all: RunningService[] = [];
const ENV = { SCHEDULER_TICK_MS: '100' };

interface RunData {
  dueAt: string;
  scanIds: string[];
  skipped: Array<{ index: number; reason: string; scanId: string | null }>;
  scans: Array<{ id: string; status: string }>;
}
interface ScheduleData {
  id: string;
  name: string;
  lastRunAt: string | null;
  nextRunAt: string | null;
  runs: RunData[];
}

const SCHEDULE_FIELDS = `id name lastRunAt nextRunAt
  runs(last: 100) { dueAt scanIds skipped { index reason scanId } scans { id status } }`;

async function scheduleNamed(url: string, name: string): Promise<ScheduleData> {
  const { schedules } = await gqlOk<{ schedules: ScheduleData[] }>(
    url,
    ADMIN_TOKEN,
    `{ schedules { ${SCHEDULE_FIELDS} } }`,
  );
  return schedules.find((s) => s.name === name)!;
}

async function createSchedule(url: string, input: Record<string, unknown>): Promise<ScheduleData> {
  const data = await gqlOk<{ createSchedule: ScheduleData }>(
    url,
    ADMIN_TOKEN,
    `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ${SCHEDULE_FIELDS} } }`,
    { input },
  );
  return data.createSchedule;
}

const dbNow = async (): Promise<Date> =>
  (await stack.db.pool.query<{ now: Date }>('select now()')).rows[0]!.now;

beforeAll(async () => {
  stack = await startStack({ sshd: false, env: ENV, processes: ['api'] });
  // One after another: five node processes starting at once on a loaded
  // 2-core machine can each take longer than the start timeout.
  all.push(stack.service);
  all.push(await stack.startApi());
  all.push(await stack.startApi());
  all.push(await stack.startWorker('sched-w1'));
  all.push(await stack.startWorker('sched-w2'));
}, 400_000);

afterAll(async () => {
  await stack?.stop();
});

it('starts a due time once with three API processes and two workers running', async () => {
  // A daily time a few seconds ahead, as a six-field (seconds) cron in UTC.
  const due = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
  const cron = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
  const targets = ['a', 'b', 'c', 'd'].map((x) => ({
    hostname: `once-${x}.sched.invalid`,
    transport: 'LOCAL',
  }));
  const created = await createSchedule(all[1]!.httpUrl, {
    name: 'once',
    targets,
    type: 'QUICK',
    cron,
    timezone: 'UTC',
  });
  expect(new Date(created.nextRunAt!).getTime()).toBe(due.getTime());
  expect(created.lastRunAt).toBeNull();

  await waitFor(
    'the schedule to run',
    async () => {
      const s = await scheduleNamed(stack.service.httpUrl, 'once');
      return s.runs.length > 0;
    },
    30_000,
    100,
  );
  // Every process ticks ten times a second: give them a good many more ticks.
  await new Promise((r) => setTimeout(r, 2_000));
  const after = await scheduleNamed(all[2]!.httpUrl, 'once');
  expect(after.runs).toHaveLength(1);
  const [run] = after.runs;
  expect(new Date(run!.dueAt).getTime()).toBe(due.getTime());
  expect(new Date(after.lastRunAt!).getTime()).toBe(due.getTime());
  expect(new Date(after.nextRunAt!).getTime()).toBe(due.getTime() + 86_400_000);
  expect(run!.scanIds).toHaveLength(4);
  expect(run!.skipped).toEqual([]);
  expect(run!.scans.map((s) => s.id)).toEqual(run!.scanIds);
  // The scans themselves, counted apart from the run rows.
  const scans = await stack.db.pool.query(
    `select id from scans where requested_by = 'schedule:once'`,
  );
  expect(scans.rowCount).toBe(4);
  // And one process of the five did it.
  const runners = all.filter((p) =>
    logLines(p).some((l) => l.msg === 'schedule started its scans' && l.schedule === 'once'),
  );
  expect(runners).toHaveLength(1);
}, 120_000);

it('runs a schedule missed through a downtime once, then skips the targets still pending', async () => {
  const targets = ['a', 'b'].map((x) => ({
    hostname: `missed-${x}.sched.invalid`,
    transport: 'LOCAL',
  }));
  await createSchedule(stack.service.httpUrl, {
    name: 'every-second',
    targets,
    type: 'FULL',
    cron: '* * * * * *',
  });
  const first = await waitFor(
    'a first run',
    async () => {
      const s = await scheduleNamed(stack.service.httpUrl, 'every-second');
      return s.runs.length > 0 && s.runs[s.runs.length - 1]!;
    },
    30_000,
    100,
  );
  expect(first.scanIds).toHaveLength(2);

  await Promise.all(all.map((p) => p.stop()));
  const stoppedAt = await dbNow();
  // Down through at least four due times.
  await new Promise((r) => setTimeout(r, 4_500));
  const restartedAt = await dbNow();
  const api = await stack.startApi();

  const resumed = await waitFor(
    'a run after the restart',
    async () => {
      const s = await scheduleNamed(api.httpUrl, 'every-second');
      const later = s.runs.filter((r) => new Date(r.dueAt) > stoppedAt);
      return later.length > 0 && later[later.length - 1]!; // runs are newest first
    },
    30_000,
    100,
  );
  const resumedDue = new Date(resumed.dueAt);
  expect(resumedDue.getTime()).toBeGreaterThanOrEqual(restartedAt.getTime() - 1_000);
  // Between the stop and that run, at least four due times passed; one ran.
  const { runs } = await scheduleNamed(api.httpUrl, 'every-second');
  const inGap = runs.filter(
    (r) => new Date(r.dueAt) > stoppedAt && new Date(r.dueAt) <= resumedDue,
  );
  expect(inGap).toHaveLength(1);
  expect(resumedDue.getTime() - stoppedAt.getTime()).toBeGreaterThan(4_000);
  // Its targets' first scans are still pending: skipped, and recorded with their ids.
  expect(resumed.scanIds).toEqual([]);
  expect(resumed.skipped).toEqual([
    { index: 0, reason: 'SCAN_IN_PROGRESS', scanId: first.scanIds[0] },
    { index: 1, reason: 'SCAN_IN_PROGRESS', scanId: first.scanIds[1] },
  ]);
}, 180_000);
