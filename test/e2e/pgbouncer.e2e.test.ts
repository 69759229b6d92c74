/**
 * EVENTS_MODE=poll behind a real PgBouncer in transaction pooling mode, the
 * deployment it exists for: an API and two worker processes, all talking
 * only to PgBouncer, migrate an empty database at the same start, then a
 * LOCAL QUICK scan of this machine runs to COMPLETED and a graphql-ws
 * subscriber sees every event. PgBouncer holds at most 2 server connections
 * for the three processes' pools of 10+ each, so sessions really are shared.
 * Skipped (with a message) when pgbouncer is not installed; CI installs it.
 */
import os from 'node:os';

import type { Client } from 'graphql-ws';
import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '../support/db';
import { followScan, gqlOk, START, wsClient } from '../support/graphql';
import { havePgBouncer, type RunningPgBouncer, startPgBouncer } from '../support/pgbouncer';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(120_000);

let db: TestDatabase;
let bouncer: RunningPgBouncer;
let api: RunningService;
let worker: RunningService;
let worker2: RunningService;
let stack: Stack | undefined;
/** The test's one direct session (db.pool stays unused, so sessions can be counted). */
let check: pg.Client;
const clients: Client[] = [];
const skip = !havePgBouncer();

beforeAll(async () => {
  if (skip) {
    if (process.env.CI === 'true') throw new Error('pgbouncer missing: .ci/run installs it');
    return;
  }
  db = await createTestDatabase({ empty: true });
  check = new pg.Client({ connectionString: db.url });
  await check.connect();
  bouncer = await startPgBouncer(db.url, 2);
  // Started together, all three migrate the empty database through PgBouncer.
  stack = await startStack({
    database: db,
    sshd: false,
    processes: [
      'api',
      ...['behind-pgbouncer', 'behind-pgbouncer-2'].map((id) => ({
        entry: 'worker' as const,
        env: { WORKER_ID: id },
        readyPattern: /"msg":"worker started"/,
      })),
    ],
    env: {
      DATABASE_URL: bouncer.url,
      EVENTS_MODE: 'poll',
      EVENTS_POLL_INTERVAL_MS: '200',
      POLL_INTERVAL_MS: '300',
      HEARTBEAT_MS: '1000',
    },
  });
  [api, worker, worker2] = stack.processes as [RunningService, RunningService, RunningService];
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await worker?.stop();
  await worker2?.stop();
  await api?.stop();
  await bouncer?.stop();
  await check?.end();
  // The stack owns the database from startStack on.
  await (stack ? stack.stop() : db?.drop());
});

it('runs a scan and streams its events with every connection through PgBouncer', async () => {
  if (skip) {
    process.stdout.write('[e2e] skipped: pgbouncer is not installed (apt-get install pgbouncer)\n');
    return;
  }
  const migrated = [api, worker, worker2].map((s) =>
    /"msg":"applied migrations"/.test(s.logs()) ? 'applied' : 'up to date',
  );
  expect(migrated.sort()).toEqual(['applied', 'up to date', 'up to date']);

  const start = await gqlOk<{ startScan: { scan: { id: string } } }>(
    api.httpUrl,
    ADMIN_TOKEN,
    START,
    {
      input: { target: { hostname: os.hostname(), transport: 'LOCAL' }, type: 'QUICK' },
    },
  );
  const id = start.startScan.scan.id;
  const client = wsClient(api.wsUrl, ADMIN_TOKEN);
  clients.push(client);
  const stream = await followScan(client, id, { fields: 'seq status' }).done;
  expect(stream.at(-1)!.status).toBe('COMPLETED');
  const seqs = stream.map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);

  const { rows: log } = await check.query<{ seq: number }>(
    `select seq from scan_events where scan_id = $1 order by seq`,
    [id],
  );
  expect(seqs).toEqual(log.map((e) => e.seq).filter((s) => s >= seqs[0]!));
  const scan = await gqlOk<{ scan: { workerId: string; result: { hostname: string } } }>(
    api.httpUrl,
    ADMIN_TOKEN,
    `query($id: ID!) { scan(id: $id) { workerId result { hostname } } }`,
    { id },
  );
  expect(scan.scan.workerId).toMatch(/^behind-pgbouncer(-2)?$/);
  expect(scan.scan.result.hostname).toBe(os.hostname());

  // Every other session on the database is one of PgBouncer's server connections.
  const { rows } = await check.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid()
       and backend_type = 'client backend'`,
  );
  process.stdout.write(
    `[pgbouncer] ${stream.length} events through PgBouncer 1.18 in transaction mode; ` +
      `server sessions on the database: ${rows[0]!.n} (PgBouncer pool size ${bouncer.poolSize})\n`,
  );
  expect(rows[0]!.n).toBeGreaterThan(0);
  expect(rows[0]!.n).toBeLessThanOrEqual(bouncer.poolSize);
  expect(bouncer.logs()).toMatch(/login attempt: db=hostscan/);
});
