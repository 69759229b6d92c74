/**
 * The database-outage scenario of faults.outage.test.ts (shared in
 * test/support/outage.scenario.ts), on the machine's own PostgreSQL: the
 * processes use a fresh database on the server DATABASE_URL names, and the
 * outage is `pg_ctlcluster <version> <cluster> stop` (fast shutdown), a few
 * seconds down, then `start`.
 *
 * Restarting that server kills every other connection to it, so this runs
 * only when HOSTSCAN_RESTART_SYSTEM_PG=1 is set: CI sets it in a step of its
 * own, after every other suite (.ci/run). Otherwise the file skips and says
 * so. Whatever happens, afterAll starts the server again if it is down.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

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

const ENABLED = process.env.HOSTSCAN_RESTART_SYSTEM_PG === '1';

interface SystemCluster {
  version: string;
  name: string;
  port: number;
}

/** pg_lsclusters' line for the cluster on `port` (the one DATABASE_URL names). */
function clusterOnPort(port: number): SystemCluster & { online: boolean } {
  const out = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [version, name, p, status] = line.trim().split(/\s+/);
    if (version && name && Number(p) === port)
      return { version, name, port, online: status?.startsWith('online') ?? false };
  }
  throw new Error(`pg_lsclusters lists no cluster on port ${port}:\n${out}`);
}

const execFileAsync = promisify(execFile);

/** Runs pg_ctlcluster without blocking the test's event loop (its subscribers run in it). */
async function pgCtlCluster(c: SystemCluster, action: 'start' | 'stop'): Promise<void> {
  await execFileAsync('pg_ctlcluster', ['--skip-systemctl-redirect', c.version, c.name, action], {
    timeout: 120_000,
  });
}

/** Resolves with the time (Date.now()) the server on `port` first accepts connections. */
async function untilReady(port: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await execFileAsync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port)]);
      return Date.now();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

let system: SystemCluster | undefined;
let cluster: Stack | undefined;
let fanIn: PortFanIn | undefined;
let ctx: OutageContext;

beforeAll(async () => {
  if (!ENABLED) return;
  const adminUrl = process.env.HOSTSCAN_TEST_ADMIN_URL;
  if (!process.env.DATABASE_URL || !adminUrl)
    throw new Error('HOSTSCAN_RESTART_SYSTEM_PG=1 needs DATABASE_URL (the system PostgreSQL)');
  const url = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname))
    throw new Error(`DATABASE_URL is not on this machine (${url.host}): cannot restart it`);
  const found = clusterOnPort(Number(url.port || 5432));
  if (!found.online) throw new Error(`cluster ${found.version}/${found.name} is not online`);
  system = { version: found.version, name: found.name, port: found.port };
  const theSystem = system;

  // A fresh database on the system server (a clone of the run's template).
  // The test's own connections die with the server too.
  cluster = await startStack(FAULTS_STACK);
  const pool = cluster.db.pool;
  pool.on('connect', (c) => c.on('error', () => undefined));
  fanIn = await startPortFanIn(cluster.sshd.port, FAN_IN_PORTS);
  ctx = {
    stack: cluster,
    pool,
    fanIn,
    label: `system PostgreSQL ${theSystem.version}/${theSystem.name}`,
    server: {
      stop: () => pgCtlCluster(theSystem, 'stop'),
      running: async () => clusterOnPort(theSystem.port).online,
      async start() {
        // pg_ctlcluster returns a while after the server accepts connections:
        // time the restart from the first pg_isready that succeeds.
        const started = pgCtlCluster(theSystem, 'start');
        const readyAt = await Promise.race([
          untilReady(theSystem.port),
          started.then(() => untilReady(theSystem.port)),
        ]);
        await started;
        return readyAt;
      },
    },
  };
  process.stdout.write(
    `[faults] system PostgreSQL ${system.version}/${system.name} on port ${system.port}, database ${cluster.db.name}\n`,
  );
});

afterEach(async () => {
  await disposeFollowers();
  await cluster?.killAll();
});

afterAll(async () => {
  // Whatever happened, the system server is left running.
  try {
    if (system && !clusterOnPort(system.port).online) {
      process.stdout.write('[faults] the system PostgreSQL is down: starting it again\n');
      await pgCtlCluster(system, 'start');
    }
    if (system) await untilReady(system.port);
  } finally {
    await disposeFollowers();
    await cluster?.killAll();
    await fanIn?.close();
    await cluster?.stop().catch(() => undefined);
  }
});

function skip(): boolean {
  if (!ENABLED) {
    process.stdout.write(
      '[faults] skipped: restarting the system PostgreSQL needs HOSTSCAN_RESTART_SYSTEM_PG=1 ' +
        '(CI runs it as its own step at the end of .ci/run)\n',
    );
    return true;
  }
  return skipWithoutDelayedUser(cluster!);
}

it('system PostgreSQL stopped and started under running scans (longer than the lease): re-run on attempt 2, COMPLETED, nothing FAILED; no process exits, every subscriber sees the end', async () => {
  if (skip()) return;
  await expectOutageLongerThanLeaseRerunsScans(ctx);
});

it('system PostgreSQL stopped and started under running scans (shorter than the lease): writes retry, every scan completes on its first attempt', async () => {
  if (skip()) return;
  await expectOutageShorterThanLeaseRidesItOut(ctx);
});
