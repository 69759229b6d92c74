/**
 * Host identity is the address or name, not the text typed (issue case 8).
 * On the real service (an API process and no worker, so scans stay
 * PENDING): every spelling of one IPv6 address, one IPv4-mapped address or
 * one mixed-case name makes one host row, the second scan of it gets
 * SCAN_IN_PROGRESS with the first's id, and a key pinned under one spelling
 * is the key of every other.
 */
import { gql, gqlOk, START } from '../support/graphql';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(60_000);

let stack: Stack;
/** A fingerprint in `ssh-keygen -lf` form; nothing connects, so any will do. */
const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

beforeAll(async () => {
  stack = await startStack({ processes: ['api'], sshd: false });
});

afterAll(async () => {
  await stack?.stop();
});

async function hostRows(port: number): Promise<Array<{ id: string; hostname: string }>> {
  const { rows } = await stack.db.pool.query<{ id: string; hostname: string }>(
    `select id, hostname from hosts where port = $1 order by created_at`,
    [port],
  );
  return rows;
}

/** Starts a QUICK scan of each spelling in turn; the first must start, the rest must be refused. */
async function startEach(spellings: string[], port: number): Promise<string> {
  const first = await gqlOk<{ startScan: { scan: { id: string; status: string } } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    START,
    { input: { target: { hostname: spellings[0], port }, type: 'QUICK' } },
  );
  const id = first.startScan.scan.id;
  expect(first.startScan.scan.status).toBe('PENDING');
  for (const hostname of spellings.slice(1)) {
    const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
      input: { target: { hostname, port }, type: 'QUICK' },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('SCAN_IN_PROGRESS');
    expect(body.errors?.[0]?.extensions?.scanId).toBe(id);
  }
  return id;
}

it('makes one host of ::1, 0:0:0:0:0:0:0:1 and 0000::0001: one row, one active scan', async () => {
  const port = 2201;
  const id = await startEach(['::1', '0:0:0:0:0:0:0:1', '0000::0001'], port);
  const rows = await hostRows(port);
  expect(rows.map((r) => r.hostname)).toEqual(['::1']);
  const scans = await stack.db.pool.query(`select id from scans where host_id = $1`, [rows[0]!.id]);
  expect(scans.rows.map((r: { id: string }) => r.id)).toEqual([id]);
});

it('pins one key for every spelling and finds the host and its scans by any of them', async () => {
  const port = 2202;
  const id = await startEach(['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '[2001:0db8::0001]'], port);
  const trusted = await gqlOk<{ trustHostKey: { id: string; hostname: string } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `mutation($h: String!, $p: Int!, $f: String!) {
       trustHostKey(hostname: $h, port: $p, fingerprint: $f) { id hostname } }`,
    { h: '2001:0DB8::0:1', p: port, f: FINGERPRINT },
  );
  expect(trusted.trustHostKey.hostname).toBe('2001:db8::1');
  const rows = await hostRows(port);
  expect(rows).toEqual([{ id: trusted.trustHostKey.id, hostname: '2001:db8::1' }]);

  const found = await gqlOk<{ host: { id: string; hostKeyFingerprint: string } | null }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `query($h: String!, $p: Int) { host(hostname: $h, port: $p) { id hostKeyFingerprint } }`,
    { h: '2001:db8:0000:0000:0000:0000:0000:0001', p: port },
  );
  expect(found.host).toEqual({ id: trusted.trustHostKey.id, hostKeyFingerprint: FINGERPRINT });

  const listed = await gqlOk<{ scans: { edges: Array<{ node: { id: string } }> } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `query($h: String!) { scans(filter: { hostname: $h }) { edges { node { id } } } }`,
    { h: '2001:DB8::1' },
  );
  expect(listed.scans.edges.map((e) => e.node.id)).toEqual([id]);

  await gqlOk(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `mutation($id: ID!) { cancelScan(id: $id) { id } }`,
    {
      id,
    },
  );
  const history = await gqlOk<{ scanHistory: { edges: Array<{ node: { id: string } }> } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `query($h: String!) { scanHistory(hostname: $h) { edges { node { id } } } }`,
    { h: '2001:db8:0::0:1' },
  );
  expect(history.scanHistory.edges.map((e) => e.node.id)).toEqual([id]);
});

it('makes one host of an IPv4 address and its IPv4-mapped IPv6 spellings', async () => {
  const port = 2203;
  await startEach(['192.0.2.7', '::ffff:192.0.2.7', '::FFFF:c000:0207'], port);
  expect((await hostRows(port)).map((r) => r.hostname)).toEqual(['192.0.2.7']);
});

it('makes one host of a name in any case, with or without the trailing dot', async () => {
  const port = 2204;
  await startEach(['DB1.Example.COM', 'db1.example.com', 'db1.EXAMPLE.com.'], port);
  expect((await hostRows(port)).map((r) => r.hostname)).toEqual(['db1.example.com']);
});

it('refuses IPv4 forms that parsers read differently, naming the field', async () => {
  for (const hostname of ['010.0.0.1', '127.1']) {
    const { body } = await gql(stack.service.httpUrl, ADMIN_TOKEN, START, {
      input: { target: { hostname, port: 2205 }, type: 'QUICK' },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/^target\.hostname: .*without leading zeros/);
  }
  expect(await hostRows(2205)).toEqual([]);
});
