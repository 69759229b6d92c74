/**
 * A `postmaster.pid` left behind names a PID. After a reboot (or PID reuse)
 * that PID can be any process: only a postgres serving this very data
 * directory may be stopped, and only when the service that started it is
 * gone. Real processes stand in for the server: `sleep` under its own name
 * or named `postgres` (argv0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { stopStaleServer } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

const log = createLogger('silent');
let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-stale-'));
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startSleep(argv0?: string): Promise<ChildProcess> {
  const child = spawn('sleep', ['300'], { argv0, stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child;
}

function pidFile(pid: number, dataDir: string): void {
  writeFileSync(path.join(dir, 'postmaster.pid'), `${pid}\n${dataDir}\n1700000000\n5432\n`);
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

it('leaves alone a live process that is not postgres', async () => {
  const other = await startSleep();
  pidFile(other.pid!, dir);
  await stopStaleServer(dir, null, log);
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(other)).toBe(true);
});

it('leaves alone a postgres of another data directory', async () => {
  const other = await startSleep('postgres');
  pidFile(other.pid!, '/var/lib/postgresql/15/main');
  await stopStaleServer(dir, null, log);
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(other)).toBe(true);
});

it('refuses to start while the service that owns the server is alive', async () => {
  const server = await startSleep('postgres');
  const owner = await startSleep();
  pidFile(server.pid!, dir);
  await expect(stopStaleServer(dir, { password: 'x', ownerPid: owner.pid! }, log)).rejects.toThrow(
    /in use by process/,
  );
  expect(alive(server)).toBe(true);
});

it('stops the server of this data directory when its owner is gone', async () => {
  const server = await startSleep('postgres');
  pidFile(server.pid!, dir);
  const exited = once(server, 'exit');
  await stopStaleServer(dir, { password: 'x', ownerPid: 999_999_999 }, log);
  const [, signal] = (await exited) as [number | null, string | null];
  expect(signal).toBe('SIGINT');
});
