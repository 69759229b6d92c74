/**
 * Fault-injection harness: one test database, a real sshd with a login whose
 * `df` answers correctly but only after a few seconds, and any number of
 * separately started worker/API processes (the compiled service) that the
 * tests kill, stop, resume and terminate. Cleanup force-kills every child,
 * resuming stopped ones first.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type pg from 'pg';

import type { ScanRow } from '../../src/queue/rows';
import * as sql from '../../src/queue/sql';
import { createTestDatabase, type TestDatabase } from './db';
import { type RunningService, startService } from './service';
import { startSshd, type TestSshd } from './sshd';
import { ensureUser } from './users';

/** Login whose `df` sleeps DF_DELAY_S, then prints the real `df` output. */
export const DELAYED_DF_USER = 'hostscan-df-delay';
export const DF_DELAY_S = 3;

export const ADMIN_TOKEN = 'faults-admin-token-0123456789abcdef';

/** Short lease settings shared by every worker the fault tests start. */
export const LEASE = {
  LEASE_MS: 3000,
  HEARTBEAT_MS: 1000,
  REAPER_INTERVAL_MS: 500,
  POLL_INTERVAL_MS: 500,
} as const;

export interface LogLine {
  level: number;
  msg: string;
  scanId?: string;
  attempt?: number;
  err?: { message?: string; type?: string };
  [key: string]: unknown;
}

export interface EventRow {
  seq: number;
  status: string;
  step: string | null;
  progress: number;
  message: string | null;
  at: Date;
}

export interface FaultsCluster {
  db: TestDatabase;
  sshd: TestSshd;
  /** False when the delayed-df login could not be created (not root, not CI). */
  haveDelayedUser: boolean;
  /** Starts a worker process named `workerId`. */
  startWorker(workerId: string, env?: Record<string, string>): Promise<RunningService>;
  /** Starts an API-only process (ADMIN_TOKEN above). */
  startApi(env?: Record<string, string>): Promise<RunningService>;
  /** Inserts a PENDING QUICK scan of the sshd (optionally through another port). */
  insertSshScan(options?: { username?: string; port?: number }): Promise<ScanRow>;
  /** SIGCONT + SIGKILL every child still alive (also used between tests). */
  killAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultsClusterOptions {
  /**
   * The database the processes use instead of a clone of the run's template
   * (say, one the test stops and starts itself). Its drop() runs on stop().
   */
  database?: TestDatabase;
}

export async function startFaultsCluster(
  options: FaultsClusterOptions = {},
): Promise<FaultsCluster> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-faults-'));
  chmodSync(tmp, 0o755);
  const children: RunningService[] = [];
  let db: TestDatabase | undefined;
  let sshd: TestSshd | undefined;
  try {
    db = options.database ?? (await createTestDatabase());
    const haveDelayedUser = await ensureUser(DELAYED_DF_USER);
    const bin = path.join(tmp, 'delaybin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'df'), `#!/bin/sh\nsleep ${DF_DELAY_S}\nexec /bin/df "$@"\n`, {
      mode: 0o755,
    });
    sshd = await startSshd({
      logLevel: 'INFO',
      extraConfig: [`Match User ${DELAYED_DF_USER}`, `  SetEnv PATH=${bin}:/usr/bin:/bin`],
    });
    const keyPath = path.join(tmp, 'id_ed25519');
    writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
    const theDb = db;
    const theSshd = sshd;

    const baseEnv = (): Record<string, string> => ({
      DATABASE_URL: theDb.url,
      ADMIN_TOKEN,
      SSH_PRIVATE_KEY_PATH: keyPath,
      DATA_DIR: path.join(tmp, 'data'),
      LOG_LEVEL: 'info',
      ...Object.fromEntries(Object.entries(LEASE).map(([k, v]) => [k, String(v)])),
    });

    const killAll = async (): Promise<void> => {
      await Promise.all(
        children.splice(0).map(async (s) => {
          const c = s.child;
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
          c.kill('SIGCONT');
          c.kill('SIGKILL');
          await exited;
        }),
      );
    };

    return {
      db: theDb,
      sshd: theSshd,
      haveDelayedUser,
      async startWorker(workerId, env = {}) {
        const s = await startService({
          entry: 'worker',
          env: { ...baseEnv(), WORKER_ID: workerId, ...env },
        });
        children.push(s);
        return s;
      },
      async startApi(env = {}) {
        const s = await startService({ entry: 'api', env: { ...baseEnv(), ...env } });
        children.push(s);
        return s;
      },
      async insertSshScan(options = {}) {
        return insertScanOf(theDb.pool, {
          hostname: '127.0.0.1',
          port: options.port ?? theSshd.port,
          username: options.username ?? theSshd.username,
        });
      },
      killAll,
      async stop() {
        await killAll();
        await theSshd.stop();
        await theDb.drop();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await sshd?.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Inserts a PENDING QUICK SSH scan the way startScan does (host row, scan row, event 1). */
export async function insertScanOf(
  db: pg.Pool | pg.PoolClient,
  target: { hostname: string; port: number; username: string },
): Promise<ScanRow> {
  const host = (await db.query<{ id: string }>(sql.UPSERT_HOST, [target.hostname, target.port]))
    .rows[0]!;
  const res = await db.query<ScanRow>(sql.INSERT_SCAN, [
    randomUUID(),
    host.id,
    'QUICK',
    'SSH',
    target.username,
    null,
    0,
    120,
    null,
    'faults-test',
    3,
    'default',
  ]);
  return res.rows[0]!;
}

export async function scanOf(pool: pg.Pool, id: string): Promise<ScanRow> {
  return (await pool.query<ScanRow>(sql.SCAN_BY_ID, [id])).rows[0]!;
}

export async function eventLog(pool: pg.Pool, id: string): Promise<EventRow[]> {
  return (
    await pool.query<EventRow>(
      `select seq, status, step, progress, message, at from scan_events where scan_id = $1 order by seq`,
      [id],
    )
  ).rows;
}

export async function stepsOf(
  pool: pg.Pool,
  id: string,
): Promise<
  Array<{ name: string; status: string; error_code: string | null; started_at: Date | null }>
> {
  return (
    await pool.query(
      `select name, status, error_code, started_at from scan_steps where scan_id = $1 order by position`,
      [id],
    )
  ).rows;
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The service's JSON log lines (non-JSON lines are dropped). */
export function logLines(service: RunningService): LogLine[] {
  const out: LogLine[] = [];
  for (const line of service.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut in the middle of a write: ignore
    }
  }
  return out;
}

/**
 * Many TCP ports that all forward to one target port: lets one sshd stand in
 * for hundreds of distinct hosts (hosts are keyed by hostname and port, and a
 * host may have only one active scan of a type). sshd itself listens on at
 * most 16 sockets.
 */
export async function startPortFanIn(
  targetPort: number,
  count: number,
): Promise<{ ports: number[]; close(): Promise<void> }> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  for (let i = 0; i < count; i++) {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(targetPort, '127.0.0.1');
      track(inbound);
      track(outbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as net.AddressInfo).port),
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
