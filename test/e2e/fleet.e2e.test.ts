/**
 * Fleet starts through the compiled API over HTTP with its default limits:
 * startScans of 1,000 targets as a variable, per-target errors beside the
 * started scans, the role it needs, and a burst of 50 single startScan calls
 * from one key that the default rate limit lets through.
 */
import { gql, gqlOk, START } from '../support/graphql';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

let stack: Stack;
const tokens = { VIEWER: '', OPERATOR: '' };

const START_SCANS = `mutation StartMany($input: StartScansInput!) {
  startScans(input: $input) {
    startedCount
    failedCount
    results { index scan { id status type host { hostname port } } error { code message field scanId } }
  }
}`;

interface StartScansData {
  startScans: {
    startedCount: number;
    failedCount: number;
    results: Array<{
      index: number;
      scan: {
        id: string;
        status: string;
        type: string;
        host: { hostname: string; port: number };
      } | null;
      error: { code: string; message: string; field: string | null; scanId: string | null } | null;
    }>;
  };
}

beforeAll(async () => {
  // API only, no worker: every scan stays PENDING, so in-progress is stable.
  stack = await startStack({ sshd: false, processes: ['api'] });
  for (const role of ['VIEWER', 'OPERATOR'] as const) {
    const data = await gqlOk<{ createApiKey: { token: string } }>(
      stack.service.httpUrl,
      ADMIN_TOKEN,
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }`,
      { input: { name: `fleet-${role.toLowerCase()}`, role } },
    );
    tokens[role] = data.createApiKey.token;
  }
});

afterAll(async () => {
  await stack?.stop();
});

it('lets one key start 50 scans one by one, all at once, under the default limits', async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      gql<{ startScan: { scan: { id: string } } }>(stack.service.httpUrl, tokens.OPERATOR, START, {
        input: { target: { hostname: `single-${i}.fleet.test` }, type: 'QUICK' },
      }),
    ),
  );
  const codes = results.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK');
  expect(codes).toEqual(Array.from({ length: 50 }, () => 'OK'));
  expect(new Set(results.map((r) => r.body.data!.startScan.scan.id)).size).toBe(50);
});

it('starts 1,000 targets in one call and answers per target, in input order', async () => {
  const targets = Array.from({ length: 1000 }, (_, i) => ({
    hostname: `fleet-${i}.example.test`,
    port: 22 + (i % 3),
    username: 'scan',
  }));
  const data = await gqlOk<StartScansData>(stack.service.httpUrl, tokens.OPERATOR, START_SCANS, {
    input: { targets, type: 'FULL', priority: 1 },
  });
  expect(data.startScans.startedCount).toBe(1000);
  expect(data.startScans.failedCount).toBe(0);
  data.startScans.results.forEach((r, i) => {
    expect(r.index).toBe(i);
    expect(r.error).toBeNull();
    expect(r.scan).toMatchObject({
      status: 'PENDING',
      type: 'FULL',
      host: { hostname: targets[i]!.hostname, port: targets[i]!.port },
    });
  });
  const { scans } = await gqlOk<{ scans: { totalCount: number } }>(
    stack.service.httpUrl,
    tokens.VIEWER,
    `{ scans(filter: { type: [FULL] }) { totalCount } }`,
  );
  expect(scans.totalCount).toBe(1000);
});

it('starts the good targets beside a bad and a busy one', async () => {
  const busy = await gqlOk<StartScansData>(stack.service.httpUrl, tokens.OPERATOR, START_SCANS, {
    input: { targets: [{ hostname: 'busy.fleet.test' }], type: 'PATCHES' },
  });
  const busyId = busy.startScans.results[0]!.scan!.id;
  const data = await gqlOk<StartScansData>(stack.service.httpUrl, tokens.OPERATOR, START_SCANS, {
    input: {
      targets: [
        { hostname: 'fresh.fleet.test' },
        { hostname: 'busy.fleet.test' },
        { hostname: '010.0.0.1' },
      ],
      type: 'PATCHES',
    },
  });
  const [fresh, inProgress, bad] = data.startScans.results;
  expect(fresh!.scan!.status).toBe('PENDING');
  expect(inProgress!.error).toMatchObject({ code: 'SCAN_IN_PROGRESS', scanId: busyId });
  expect(inProgress!.scan).toBeNull();
  expect(bad!.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'targets[2].hostname' });
  expect([data.startScans.startedCount, data.startScans.failedCount]).toEqual([1, 2]);
});

it('refuses VIEWER keys (FORBIDDEN) and more than 1,000 targets (BAD_USER_INPUT), starting nothing', async () => {
  const viewer = await gql(stack.service.httpUrl, tokens.VIEWER, START_SCANS, {
    input: { targets: [{ hostname: 'viewer.fleet.test' }], type: 'QUICK' },
  });
  expect(viewer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const tooMany = await gql(stack.service.httpUrl, tokens.OPERATOR, START_SCANS, {
    input: {
      targets: Array.from({ length: 1001 }, (_, i) => ({ hostname: `over-${i}.fleet.test` })),
      type: 'QUICK',
    },
  });
  expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'targets',
  });
  const { host } = await gqlOk<{ host: unknown }>(
    stack.service.httpUrl,
    tokens.VIEWER,
    `{ host(hostname: "over-0.fleet.test") { id } }`,
  );
  expect(host).toBeNull();
});
