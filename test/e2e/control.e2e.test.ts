/**
 * Cancellation, deadlines and duplicate requests against a host whose `df`
 * hangs (a real sshd login whose PATH starts with a `df` that sleeps).
 */
import { followScan, gql, type ScanEvent, START } from '../support/graphql';
import { ADMIN_TOKEN, SLOW_USER, type Stack, startStack } from '../support/stack';

let stack: Stack;

const SCAN = `query($id: ID!) { scan(id: $id) { status error { code message } steps { name status error { code } } result { hostname } } }`;

interface ScanData {
  status: string;
  error: { code: string; message: string } | null;
  steps: Array<{ name: string; status: string; error: { code: string } | null }>;
  result: { hostname: string | null } | null;
}

async function getScan(id: string): Promise<ScanData> {
  const { body } = await gql<{ scan: ScanData }>(stack.service.httpUrl, ADMIN_TOKEN, SCAN, { id });
  return body.data!.scan;
}

/** Follows a scan; calls `onStep` once when `step` starts. */
async function followUntil(
  id: string,
  step: string,
  onStep: () => void,
): Promise<Array<ScanEvent & { at: number }>> {
  const events: Array<ScanEvent & { at: number }> = [];
  let fired = false;
  await followScan(stack.ws, id, {
    timeoutMs: 60_000,
    onEvent: (e) => {
      events.push({ ...e, at: Date.now() });
      if (!fired && e.step === step && e.status === 'RUNNING') {
        fired = true;
        onStep();
      }
    },
  }).done;
  return events;
}

beforeAll(async () => {
  stack = await startStack({
    users: ['slow'],
    processes: ['main'],
    env: { COMMAND_TIMEOUT_MS: '4000', HEARTBEAT_MS: '1000', LEASE_MS: '5000' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

function skipWithoutUsers(): boolean {
  if (!stack.haveSpecialUsers) process.stdout.write('[e2e] skipped: the slow-df user needs root\n');
  return !stack.haveSpecialUsers;
}

it('cancels a running scan within 2 s: the channel is closed and the scan ends CANCELLED', async () => {
  if (skipWithoutUsers()) return;
  const id = await stack.startScan({
    target: stack.sshTarget({ username: SLOW_USER }),
    type: 'QUICK',
  });
  let cancelledAt = 0;
  const events = await followUntil(id, 'disk', () => {
    cancelledAt = Date.now();
    void gql(
      stack.service.httpUrl,
      ADMIN_TOKEN,
      `mutation($id: ID!) { cancelScan(id: $id) { status } }`,
      { id },
    );
  });
  const last = events[events.length - 1]!;
  expect(last.status).toBe('CANCELLED');
  const seenAfter = last.at - cancelledAt;
  expect(seenAfter).toBeLessThan(2_000);
  process.stdout.write(`[e2e] cancel of a running scan seen and finished in ${seenAfter} ms\n`);
  const scan = await getScan(id);
  expect(scan.error?.code).toBe('CANCELLED');
  expect(scan.steps.find((s) => s.name === 'disk')!.error?.code).toBe('CANCELLED');
  expect(scan.steps.find((s) => s.name === 'memory')!.status).toBe('SKIPPED');
  // Steps that finished before the cancel keep their results.
  expect(scan.result?.hostname).toBeTruthy();
});

it('fails a command past COMMAND_TIMEOUT_MS as COMMAND_TIMEOUT and goes on with the next step', async () => {
  if (skipWithoutUsers()) return;
  const started = Date.now();
  const id = await stack.startScan({
    target: stack.sshTarget({ username: SLOW_USER }),
    type: 'QUICK',
  });
  const events = await stack.follow(id);
  const elapsed = Date.now() - started;
  expect(events[events.length - 1]!.status).toBe('PARTIAL');
  const scan = await getScan(id);
  expect(scan.steps.find((s) => s.name === 'disk')).toMatchObject({
    status: 'FAILED',
    error: { code: 'COMMAND_TIMEOUT' },
  });
  expect(scan.steps.find((s) => s.name === 'memory')!.status).toBe('SUCCEEDED');
  expect(elapsed).toBeLessThan(10_000);
});

it('ends a scan past its timeoutSeconds FAILED with SCAN_TIMEOUT, keeping the finished steps', async () => {
  if (skipWithoutUsers()) return;
  const id = await stack.startScan({
    target: stack.sshTarget({ username: SLOW_USER, port: stack.sshd.port }),
    type: 'QUICK',
    // Under COMMAND_TIMEOUT_MS (4 s from the start of the hanging disk step),
    // so the scan's own deadline ends it.
    timeoutSeconds: 3,
  });
  const events = await stack.follow(id);
  expect(events[events.length - 1]!.status).toBe('FAILED');
  const scan = await getScan(id);
  expect(scan.error?.code).toBe('SCAN_TIMEOUT');
  // The steps before the hanging disk step finished and are kept (all three
  // on an idle machine; a busy one may reach the deadline sooner).
  const succeeded = scan.steps.filter((s) => s.status === 'SUCCEEDED').map((s) => s.name);
  expect(succeeded.length).toBeGreaterThan(0);
  expect(succeeded).toEqual(['os', 'hostname', 'uptime'].slice(0, succeeded.length));
  expect(scan.result?.hostname).toBeTruthy();
});

it('refuses a second active scan of the same host and type with SCAN_IN_PROGRESS and the scan id', async () => {
  if (skipWithoutUsers()) return;
  const target = stack.sshTarget({ username: SLOW_USER });
  const first = await stack.startScan({ target, type: 'QUICK' });
  const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
    input: { target, type: 'QUICK' },
  });
  expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'SCAN_IN_PROGRESS', scanId: first });
  // Another type of scan of the same host is fine.
  const full = await stack.startScan({ target, type: 'FULL' });
  expect(full).not.toBe(first);
  for (const id of [first, full]) {
    await gql(
      stack.service.httpUrl,
      ADMIN_TOKEN,
      `mutation($id: ID!) { cancelScan(id: $id) { id } }`,
      { id },
    );
    await stack.follow(id);
  }
});

it('returns one scan for ten racing requests with the same idempotency key', async () => {
  const input = {
    target: { hostname: 'idempotent.invalid', port: 2222 },
    type: 'QUICK',
    idempotencyKey: `race-${Date.now()}`,
  };
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      gql<{ startScan: { scan: { id: string } } }>(stack.service.httpUrl, ADMIN_TOKEN, START, {
        input,
      }),
    ),
  );
  for (const r of results) expect(r.body.errors).toBeUndefined();
  const ids = new Set(results.map((r) => r.body.data!.startScan.scan.id));
  expect(ids.size).toBe(1);
  const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
    input: { ...input, type: 'FULL' },
  });
  expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(body.errors?.[0]?.message).toMatch(/idempotencyKey/);
  await stack.follow([...ids][0]!);
});

it('cancels a PENDING scan at once and refuses to cancel it twice', async () => {
  // A LOCAL scan for a machine no worker runs on stays PENDING.
  const id = await stack.startScan({
    target: { hostname: 'no-worker-here.invalid', transport: 'LOCAL' },
    type: 'QUICK',
  });
  const cancel = `mutation($id: ID!) { cancelScan(id: $id) { status error { code } } }`;
  const first = await gql<{ cancelScan: { status: string } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    cancel,
    { id },
  );
  expect(first.body.data?.cancelScan.status).toBe('CANCELLED');
  const again = await gql(stack.service.httpUrl, ADMIN_TOKEN, cancel, { id });
  expect(again.body.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
  const unknown = await gql(stack.service.httpUrl, ADMIN_TOKEN, cancel, {
    id: '00000000-0000-4000-8000-000000000000',
  });
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});
