import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { findFreePort } from '../../src/util/net';

export const PGBOUNCER = '/usr/sbin/pgbouncer';

export function havePgBouncer(): boolean {
  return existsSync(PGBOUNCER);
}

export interface RunningPgBouncer {
  /** What a client puts in DATABASE_URL: PgBouncer's port, its database alias. */
  url: string;
  /** Server connections PgBouncer opens per (database, user). */
  poolSize: number;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A real PgBouncer in transaction pooling mode in front of `serverUrl`'s
 * database. Clients log in without a password (auth_type any) and PgBouncer
 * logs in to the server as the URL's user. The two timeouts our pool sends
 * as startup parameters are ignored, as the README tells operators to
 * configure it. PgBouncer refuses to run as root: it drops to `nobody`.
 */
export async function startPgBouncer(serverUrl: string, poolSize = 3): Promise<RunningPgBouncer> {
  const server = new URL(serverUrl);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-pgbouncer-'));
  chmodSync(dir, 0o755);
  const conn = [
    `host=${server.hostname}`,
    `port=${server.port || '5432'}`,
    `dbname=${server.pathname.slice(1)}`,
    `user=${decodeURIComponent(server.username)}`,
    ...(server.password ? [`password=${decodeURIComponent(server.password)}`] : []),
  ].join(' ');
  const ini = path.join(dir, 'pgbouncer.ini');
  // Another process may take the port between choosing and binding it: retry.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    writeFileSync(
      ini,
      [
        '[databases]',
        `hostscan = ${conn}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = any',
        'pool_mode = transaction',
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 500',
        'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const child: ChildProcess = spawn(PGBOUNCER, ['-u', 'nobody', ini], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const deadline = Date.now() + 10_000;
    let failed = false;
    while (!/listening on 127\.0\.0\.1:/.test(text)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        failed = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (failed) {
      child.kill('SIGKILL');
      if (attempt < 3 && /in use/i.test(text)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start: ${text}`);
    }
    return started(child, port, () => text);
  }

  function started(child: ChildProcess, port: number, logs: () => string): RunningPgBouncer {
    return {
      url: `postgres://hostscan@127.0.0.1:${port}/hostscan`,
      poolSize,
      logs,
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
