/**
 * End to end: `npm run example:sdk` generates the typed client from
 * schema.graphql, compiles it and runs it against the service and sshd this
 * test starts; it must follow the scan live and exit 0 only on COMPLETED.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import { findFreePort } from '../../src/util/net';
import { PROJECT_ROOT } from '../../src/util/paths';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ processes: ['main'] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} ran over 240 s:\n${out}`));
    }, 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const envFor = (target: string): Record<string, string> => ({
  HOSTSCAN_URL: stack.service.httpUrl,
  HOSTSCAN_TOKEN: ADMIN_TOKEN,
  HOSTSCAN_TARGET: target,
  HOSTSCAN_USER: stack.sshd.username,
});

it('generates, compiles and runs the SDK example; it follows a scan to COMPLETED and exits 0', async () => {
  const { code, out } = await run(
    'npm',
    ['run', '--silent', 'example:sdk'],
    envFor(`127.0.0.1:${stack.sshd.port}`),
  );
  expect(out).toMatch(/started QUICK scan [0-9a-f-]{36} of 127\.0\.0\.1:\d+/);
  // The stream, live: the current state first, then each step, in seq order.
  const seqs = [...out.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
  expect(seqs.length).toBeGreaterThan(5);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  expect(out).toMatch(/^#\d+ RUNNING \d+% step disk/m);
  expect(out).toMatch(/^#\d+ COMPLETED 100%/m);
  expect(out).toContain(`kernel ${os.release()}`);
  expect(out).toMatch(/^status: COMPLETED/m);
  expect(code).toBe(0);
}, 300_000);

it('exits non-zero when the scan does not complete (nothing listens on the port)', async () => {
  const closed = await findFreePort();
  const { code, out } = await run(
    process.execPath,
    [path.join(PROJECT_ROOT, 'examples/sdk/dist/main.js')],
    envFor(`127.0.0.1:${closed}`),
  );
  expect(out).toMatch(/^status: FAILED/m);
  expect(out).toMatch(/error: CONNECTION_REFUSED/);
  expect(code).toBe(1);
}, 300_000);
