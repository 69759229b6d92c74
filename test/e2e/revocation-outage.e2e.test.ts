/**
 * A key revoked while the API's LISTEN connection is down: its NOTIFY is
 * lost, so the API must look at revocations again once it is listening
 * again, and close that key's WebSockets. The outage is made deterministic:
 * new connections to the database are refused (datallowconn off) before the
 * LISTEN backend is terminated, so the listener cannot come back until the
 * test lets it, and the revocation lands in between.
 */
import type { Client } from 'graphql-ws';
import pg from 'pg';

import type { TestDatabase } from '../support/db';
import { gqlOk, wsClient } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

let stack: Stack;
let db: TestDatabase;
let api: RunningService;
/** The test's own session in the scanned database, opened before connections are refused. */
let admin: pg.Client;
/** A session in `postgres`: a database cannot refuse connections from inside itself. */
let gate: pg.Client;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({ sshd: false, processes: ['api'] });
  db = stack.db;
  api = stack.service;
  admin = new pg.Client({ connectionString: db.url, application_name: 'revocation-outage-test' });
  await admin.connect();
  const gateUrl = new URL(db.url);
  gateUrl.pathname = '/postgres';
  gate = new pg.Client({ connectionString: gateUrl.toString() });
  await gate.connect();
});

const allowConnections = (allow: boolean) =>
  gate.query(`alter database "${db.name}" with allow_connections ${allow}`);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  if (gate) await allowConnections(true);
  await api?.stop();
  await admin?.end();
  await gate?.end();
  await stack?.stop();
});

async function listenBackends(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity
     where datname = current_database() and application_name = 'hostscan-api-listen'`,
  );
  return rows.map((r) => r.pid);
}

it('closes the WebSocket of a key revoked while LISTEN was down, once LISTEN is back', async () => {
  const created = await gqlOk<{ createApiKey: { token: string; apiKey: { id: string } } }>(
    api.httpUrl,
    ADMIN_TOKEN,
    `mutation { createApiKey(input: { name: "revoked-in-outage", role: VIEWER }) { token apiKey { id } } }`,
  );
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  // The server acknowledges the connection only after it has registered the
  // socket under its key (and checked the key is not revoked).
  const client = wsClient(api.wsUrl, created.createApiKey.token, { connected: onConnected });
  clients.push(client);
  let closedAt: number | null = null;
  const closed = new Promise<number>((resolve) => {
    client.subscribe(
      { query: `subscription { scanUpdates { seq } }` },
      {
        next: () => undefined,
        error: (e) => {
          closedAt = Date.now();
          resolve((e as { code?: number }).code ?? -1);
        },
        complete: () => resolve(0),
      },
    );
  });
  await connected;
  const [listenPid] = await listenBackends();
  expect(listenPid).toBeDefined();

  await allowConnections(false);
  await admin.query(`select pg_terminate_backend($1)`, [listenPid]);
  await api.waitForLog(/LISTEN connection lost; reconnecting/, 10_000);

  // The revocation as any API process writes it, NOTIFY included: nobody hears it.
  await admin.query(
    `with k as (update api_keys set revoked_at = now() where id = $1 returning id)
     select pg_notify('api_key_revoked', id::text) from k`,
    [created.createApiKey.apiKey.id],
  );
  // LISTEN stays down a while longer; the socket must still be open (nothing told the API).
  await new Promise((r) => setTimeout(r, 1_500));
  expect(closedAt).toBeNull();
  expect(await listenBackends()).toEqual([]);

  const reopenedAt = Date.now();
  await allowConnections(true);
  const outcome = await Promise.race([
    closed,
    // unref: a pending timer would hold jest's worker for 10 s after the file.
    new Promise<string>((r) => setTimeout(() => r('still open after 10 s'), 10_000).unref()),
  ]);
  expect(outcome).toBe(4403);
  const lag = closedAt! - reopenedAt;
  process.stdout.write(
    `[revocation] closed ${lag} ms after the database accepted connections again\n`,
  );
  expect((await listenBackends()).length).toBe(1);
});
