/**
 * The compiled service (API + worker) with EVENTS_MODE=poll, as it would run
 * behind PgBouncer in transaction mode: no process holds a LISTEN
 * connection, yet a graphql-ws subscriber follows a scan to COMPLETED and a
 * revoked key's WebSocket is closed. LOCAL QUICK scans of this machine: no
 * sshd needed.
 */
import os from 'node:os';

import type { Client } from 'graphql-ws';
import pg from 'pg';

import {
  closeCodeOf,
  followScan,
  gql,
  gqlOk,
  START,
  type StartData,
  wsClient,
} from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

const EVENTS_POLL_INTERVAL_MS = 300;

jest.setTimeout(90_000);

let stack: Stack;
let service: RunningService;
/** The test's only connection, named so it can be told apart from the service's. */
let check: pg.Client;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({
    sshd: false,
    processes: [{ entry: 'main', readyPattern: /"msg":"worker started"/ }],
    env: {
      EVENTS_MODE: 'poll',
      EVENTS_POLL_INTERVAL_MS: String(EVENTS_POLL_INTERVAL_MS),
      POLL_INTERVAL_MS: '500',
    },
  });
  service = stack.service;
  check = new pg.Client({ connectionString: stack.db.url, application_name: 'poll-e2e-check' });
  await check.connect();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await service?.stop();
  await check?.end();
  await stack?.stop();
});

interface Backend {
  pid: number;
  application_name: string;
  query: string;
}

/** Every backend of the service: all of this database's sessions but the test's own. */
async function serviceBackends(): Promise<Backend[]> {
  const { rows } = await check.query<Backend>(
    `select pid, application_name, query from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows;
}

function listenSessions(backends: Backend[]): Backend[] {
  return backends.filter(
    (b) => /^hostscan-.*listen$/.test(b.application_name) || /^\s*listen\s/i.test(b.query),
  );
}

it('follows a scan over graphql-ws to COMPLETED with no LISTEN session in any process', async () => {
  expect(service.logs()).toMatch(/"eventsMode":"poll".*"msg":"worker started"/);
  const start = await gqlOk<StartData>(service.httpUrl, ADMIN_TOKEN, START, {
    input: { target: { hostname: os.hostname(), transport: 'LOCAL' }, type: 'QUICK' },
  });
  const id = start.startScan.scan.id;
  const client = wsClient(service.wsUrl, ADMIN_TOKEN);
  clients.push(client);
  const stream = await followScan(client, id, { fields: 'seq status progress' }).done;

  // The current state first, then every later logged event once, in order.
  const { rows: log } = await check.query<{ seq: number; status: string; progress: number }>(
    `select seq, status, progress from scan_events where scan_id = $1 order by seq`,
    [id],
  );
  // Live events normally follow the current state; a scan that finished
  // before the subscription began gives its terminal state alone.
  expect(stream.length > 1 || stream[0]!.status === 'COMPLETED').toBe(true);
  expect(stream[stream.length - 1]!.status).toBe('COMPLETED');
  expect(stream).toEqual(log.filter((e) => e.seq >= stream[0]!.seq));

  const backends = await serviceBackends();
  expect(backends.length).toBeGreaterThan(0); // the check below is about real sessions
  expect(listenSessions(backends)).toEqual([]);
});

it("closes a revoked key's WebSocket within a few poll intervals", async () => {
  const created = await gqlOk<{ createApiKey: { token: string; apiKey: { id: string } } }>(
    service.httpUrl,
    ADMIN_TOKEN,
    `mutation { createApiKey(input: { name: "poll-revoke", role: VIEWER }) { token apiKey { id } } }`,
  );
  const client = wsClient(service.wsUrl, created.createApiKey.token);
  clients.push(client);
  const closed = closeCodeOf(client);
  await new Promise((r) => setTimeout(r, 500));
  await gqlOk(service.httpUrl, ADMIN_TOKEN, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, {
    id: created.createApiKey.apiKey.id,
  });
  const started = Date.now();
  expect(await closed).toBe(4403);
  // Closed by a poll (one interval, a read, the close frame), with room for a busy machine.
  expect(Date.now() - started).toBeLessThan(EVENTS_POLL_INTERVAL_MS * 2 + 1_500);
  const { status } = await gql(
    service.httpUrl,
    created.createApiKey.token,
    '{ scans { totalCount } }',
  );
  expect(status).toBe(401);
  expect(listenSessions(await serviceBackends())).toEqual([]);
});
