/**
 * The one way the e2e tests start a system: a test database, optionally a
 * real sshd with logins whose `df` misbehaves, and any number of compiled
 * service processes (`main`, `api`, `worker`) sharing one environment. Every
 * process started through the stack is tracked, so stop() (or killAll() for
 * tests that freeze processes) leaves nothing running.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Client } from 'graphql-ws';

import { createTestDatabase, type TestDatabase } from './db';
import { followScan, type ScanEvent, startScan, wsClient } from './graphql';
import { type RunningService, startService } from './service';
import { startSshd, type StartSshdOptions, type TestSshd } from './sshd';
import { ensureUser } from './users';

/** The admin token every stack's processes run with. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Login whose `df` fails. */
export const BROKEN_USER = 'hostscan-broken';
/** Login whose `df` hangs for a minute. */
export const SLOW_USER = 'hostscan-slow';
/** Login whose `df` sleeps DF_DELAY_S, then prints the real `df` output. */
export const DELAYED_DF_USER = 'hostscan-df-delay';
export const DF_DELAY_S = 3;

/** A `stat` as on a host whose stat has no -f (see the Match blocks below). */
const NO_STAT = '#!/bin/sh\necho "stat: simulated lack of -f" >&2\nexit 1\n';

/** The logins with a fake `df` first on their PATH, by the name a stack asks for them. */
const FAKE_DF_LOGINS = {
  broken: { user: BROKEN_USER, df: '#!/bin/sh\necho "df: simulated failure" >&2\nexit 1\n' },
  slow: { user: SLOW_USER, df: '#!/bin/sh\nexec sleep 60\n' },
  'df-delay': { user: DELAYED_DF_USER, df: `#!/bin/sh\nsleep ${DF_DELAY_S}\nexec /bin/df "$@"\n` },
} as const;
export type FakeDfLogin = keyof typeof FAKE_DF_LOGINS;

export type ServiceEntry = 'main' | 'api' | 'worker';

export interface StackProcess {
  entry: ServiceEntry;
  /** Added to the stack's environment for this process only. */
  env?: Record<string, string>;
  /** The log line that says the process is ready. @default startService's */
  readyPattern?: RegExp;
}

export interface StackOptions {
  /**
   * The database: `'empty'` for one with no tables, or one the test made
   * itself (its drop() runs on stop()). @default a fresh clone of the run's template
   */
  database?: TestDatabase | 'empty';
  /** Logins with a fake `df` to create and configure in the sshd. @default [] */
  users?: readonly FakeDfLogin[];
  /** The sshd's options, or false for no sshd (LOCAL scans only). @default {} */
  sshd?: false | Pick<StartSshdOptions, 'logLevel' | 'extraConfig' | 'overrides' | 'launcher'>;
  /** Processes started (together) before startStack resolves. @default [] */
  processes?: ReadonlyArray<ServiceEntry | StackProcess>;
  /** Environment every process gets, over the stack's own (DATABASE_URL and the rest). */
  env?: Record<string, string>;
}

export interface Stack {
  db: TestDatabase;
  /** The sshd (throws for a stack started with `sshd: false`). */
  readonly sshd: TestSshd;
  /** The environment every process runs with, for starting more processes like them. */
  env: Record<string, string>;
  /** False when the fake-df logins could not be created (not root, not CI). */
  haveSpecialUsers: boolean;
  /** The processes of StackOptions.processes, in that order. */
  processes: RunningService[];
  /** The first of them. */
  readonly service: RunningService;
  /** A graphql-ws client of `service` with ADMIN_TOKEN, made on first use. */
  readonly ws: Client;
  /** Starts one more process with the stack's environment plus `env`. */
  start(
    entry: ServiceEntry,
    env?: Record<string, string>,
    readyPattern?: RegExp,
  ): Promise<RunningService>;
  /** Starts a worker process named `workerId`. */
  startWorker(workerId: string, env?: Record<string, string>): Promise<RunningService>;
  /** Starts an API-only process. */
  startApi(env?: Record<string, string>): Promise<RunningService>;
  /** Starts a scan through `service` and returns its id. */
  startScan(input: Record<string, unknown>): Promise<string>;
  /** Follows a scan on `ws` to its end. */
  follow(id: string, timeoutMs?: number): Promise<ScanEvent[]>;
  /** An SSH target of the sshd, with `extra` over it. */
  sshTarget(extra?: Record<string, unknown>): Record<string, unknown>;
  /** SIGCONT + SIGKILL every process still alive (also used between tests). */
  killAll(): Promise<void>;
  /** Stops every process still alive (SIGTERM), the sshd and the database. */
  stop(): Promise<void>;
}

const alive = (s: RunningService): boolean =>
  s.child.exitCode === null && s.child.signalCode === null;

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-stack-'));
  // As root, sshd reads the key and the fake bins as other users.
  chmodSync(tmp, 0o755);
  const children: RunningService[] = [];
  let ws: Client | undefined;
  let db: TestDatabase | undefined;
  let sshd: TestSshd | undefined;

  const killAll = async (): Promise<void> => {
    await Promise.all(
      children.splice(0).map(async (s) => {
        const c = s.child;
        if (!alive(s)) return;
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.kill('SIGCONT');
        c.kill('SIGKILL');
        await exited;
      }),
    );
  };
  const stop = async (): Promise<void> => {
    await ws?.dispose();
    await Promise.all(
      children.splice(0).map(async (s) => {
        if (!alive(s)) return;
        s.child.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
        await s.stop();
      }),
    );
    await sshd?.stop();
    await db?.drop();
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    const database = options.database;
    db =
      database === undefined || database === 'empty'
        ? await createTestDatabase({ empty: database === 'empty' })
        : database;
    const logins = (options.users ?? []).map((name) => FAKE_DF_LOGINS[name]);
    let haveSpecialUsers = true;
    for (const login of logins)
      haveSpecialUsers = (await ensureUser(login.user)) && haveSpecialUsers;

    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      ADMIN_TOKEN,
      DATA_DIR: path.join(tmp, 'data'),
    };
    if (options.sshd !== false) {
      const matchBlocks = logins.flatMap((login) => {
        const bin = path.join(tmp, `${login.user}-bin`);
        mkdirSync(bin);
        writeFileSync(path.join(bin, 'df'), login.df, { mode: 0o755 });
        // The disk probe asks statfs through `stat -f` where it can, and `df`
        // only on hosts without it (old BusyBox): a `stat` that fails makes
        // these logins such hosts, so the fake `df` is what the probe runs.
        writeFileSync(path.join(bin, 'stat'), NO_STAT, { mode: 0o755 });
        return [`Match User ${login.user}`, `  SetEnv PATH=${bin}:/usr/bin:/bin`];
      });
      sshd = await startSshd({
        logLevel: options.sshd?.logLevel,
        overrides: options.sshd?.overrides,
        launcher: options.sshd?.launcher,
        extraConfig: [...matchBlocks, ...(options.sshd?.extraConfig ?? [])],
      });
      const keyPath = path.join(tmp, 'id_ed25519');
      writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
      env.SSH_PRIVATE_KEY_PATH = keyPath;
    }
    Object.assign(env, options.env);

    const start = async (
      entry: ServiceEntry,
      extra: Record<string, string> = {},
      readyPattern?: RegExp,
    ): Promise<RunningService> => {
      const s = await startService({ entry, env: { ...env, ...extra }, readyPattern });
      children.push(s);
      return s;
    };
    const processes = await Promise.all(
      (options.processes ?? []).map((p) =>
        typeof p === 'string' ? start(p) : start(p.entry, p.env, p.readyPattern),
      ),
    );
    const theSshd = sshd;
    const service = (): RunningService => {
      if (!processes[0]) throw new Error('this stack started no processes');
      return processes[0];
    };
    const client = (): Client => (ws ??= wsClient(service().wsUrl, ADMIN_TOKEN));

    return {
      db,
      get sshd() {
        if (!theSshd) throw new Error('this stack has no sshd (sshd: false)');
        return theSshd;
      },
      env,
      haveSpecialUsers,
      processes,
      get service() {
        return service();
      },
      get ws() {
        return client();
      },
      start,
      startWorker: (workerId, extra = {}) => start('worker', { WORKER_ID: workerId, ...extra }),
      startApi: (extra = {}) => start('api', extra),
      startScan: (input) => startScan(service().httpUrl, ADMIN_TOKEN, input),
      follow: (id, timeoutMs = 60_000) => followScan(client(), id, { timeoutMs }).done,
      sshTarget(extra = {}) {
        if (!theSshd) throw new Error('this stack has no sshd (sshd: false)');
        return { hostname: '127.0.0.1', port: theSshd.port, username: theSshd.username, ...extra };
      },
      killAll,
      stop,
    };
  } catch (e) {
    await killAll();
    await stop().catch(() => undefined);
    throw e;
  }
}
