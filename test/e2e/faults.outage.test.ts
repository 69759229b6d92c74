/**
 * The database goes away under a running system and comes back (the scenario
 * is in test/support/outage.scenario.ts): an API process and two worker
 * processes use an embedded PostgreSQL that this test starts itself
 * (startEmbeddedDatabase, run in a child: see controlled-database.ts), stops (fast
 * shutdown: every connection is terminated) while scans run their slow step,
 * keeps down for a few seconds, and starts again on the same data directory
 * and port. No process may exit, no scan may be recorded FAILED because of
 * the outage, every graphql-ws subscriber must still see its scan end, and
 * new scans must run afterwards.
 *
 * The system PostgreSQL (when DATABASE_URL points at one) is never restarted
 * here: other test files use it at the same time. faults.system-pg.test.ts
 * restarts it, in CI only, as a step of its own.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  type ControlledDatabase,
  killLeftoverServer,
  startControlledDatabase,
} from '../support/controlled-database';
import { testPool } from '../support/db';
import { FAULTS_STACK, skipWithoutDelayedUser } from '../support/faults';
import {
  disposeFollowers,
  expectOutageLongerThanLeaseRerunsScans,
  expectOutageShorterThanLeaseRidesItOut,
  FAN_IN_PORTS,
  type OutageContext,
} from '../support/outage.scenario';
import { type PortFanIn, startPortFanIn } from '../support/port-fan-in';
import { type Stack, startStack } from '../support/stack';

jest.setTimeout(180_000);

let tmp: string;
let dbDir: string;
let db: ControlledDatabase | null = null;
let cluster: Stack | undefined;
let fanIn: PortFanIn | undefined;
let ctx: OutageContext;

const serverRunning = (): boolean => existsSync(path.join(dbDir, 'pg', 'postmaster.pid'));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-outage-'));
  // As root the database runs as the postgres user, which must reach it.
  chmodSync(tmp, 0o755);
  dbDir = path.join(tmp, 'db');
  db = await startControlledDatabase(dbDir);
  const url = db.url;
  const pool = testPool(url, 5);
  // The test's own connections die with the server too.
  pool.on('error', () => undefined);
  pool.on('connect', (c) => c.on('error', () => undefined));
  cluster = await startStack({
    ...FAULTS_STACK,
    database: { url, name: 'hostscan', pool, drop: () => pool.end() },
  });
  fanIn = await startPortFanIn(cluster.sshd.port, FAN_IN_PORTS);
  ctx = {
    stack: cluster,
    pool,
    fanIn,
    label: 'embedded PostgreSQL',
    server: {
      async stop() {
        await db?.stop();
        db = null;
      },
      running: async () => serverRunning(),
      async start() {
        db = await startControlledDatabase(dbDir);
        // Same directory, same port: the processes' URL works again unchanged.
        if (db.url !== url) throw new Error(`restarted on ${db.url}, not ${url}`);
      },
    },
  };
});

afterEach(async () => {
  await disposeFollowers();
  await cluster?.killAll();
});

afterAll(async () => {
  await disposeFollowers();
  await cluster?.killAll();
  await fanIn?.close();
  await cluster?.stop().catch(() => undefined);
  await db?.stop();
  // Whatever happened above, leave no server behind.
  if (dbDir) killLeftoverServer(dbDir);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

it('re-runs scans whose lease ran out during a database restart (attempt 2, COMPLETED, nothing FAILED); no process exits and every subscriber sees the end', async () => {
  if (skipWithoutDelayedUser(cluster!)) return;
  await expectOutageLongerThanLeaseRerunsScans(ctx);
});

it('rides out a database restart shorter than the lease: writes retry, every scan completes on its first attempt', async () => {
  if (skipWithoutDelayedUser(cluster!)) return;
  await expectOutageShorterThanLeaseRidesItOut(ctx);
});

it('runs the embedded server with room for 200 connections (two default workers and an API need 93)', async () => {
  const { rows } = await ctx.pool.query<{ max_connections: string }>('show max_connections');
  expect(rows[0]!.max_connections).toBe('200');
});
