import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { wrapRemoteCommand } from '../../src/transport';

/**
 * The remote wrapper against the userlands it must survive: coreutils
 * `timeout` under dash, BusyBox's current `timeout [-s SIG] SECS`, the
 * pre-1.30 BusyBox `timeout [-t SECS] [-s SIG]` (emulated: only the new one is
 * installed here), and a host with no `timeout` at all.
 */

jest.setTimeout(20_000);

const BUSYBOX = '/usr/bin/busybox';
const haveBusybox = existsSync(BUSYBOX);
let dir: string;

interface Run {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/** `shell` is argv: `['dash']` or `[BUSYBOX, 'sh']`. */
function run(shell: string[], script: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const [file, ...args] = shell as [string, ...string[]];
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(file, [...args, '-c', script], { env, timeout: 15_000 }, (error, stdout) => {
      const err = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
      resolve({
        stdout,
        code: err === null ? 0 : typeof err.code === 'number' ? err.code : null,
        signal: err?.signal ?? null,
        ms: performance.now() - started,
      });
    });
  });
}

/** A PATH directory holding only BusyBox applets (plus `extra` scripts). */
async function busyboxBin(name: string, applets: string[], extra: Record<string, string> = {}) {
  const bin = path.join(dir, name);
  await mkdir(bin);
  for (const applet of applets) await symlink(BUSYBOX, path.join(bin, applet));
  for (const [file, text] of Object.entries(extra)) {
    await writeFile(path.join(bin, file), text);
    await chmod(path.join(bin, file), 0o755);
  }
  return bin;
}

const OLD_BUSYBOX_TIMEOUT = `#!${BUSYBOX} sh
# BusyBox < 1.30 syntax: timeout [-t SECS] [-s SIG] PROG ARGS
secs=10; sig=TERM
while getopts t:s: o; do case $o in t) secs=$OPTARG;; s) sig=$OPTARG;; *) exit 1;; esac; done
shift $((OPTIND-1))
exec ${BUSYBOX} timeout -s "$sig" "$secs" "$@"
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hostscan-wrapper-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXPECTED = "C it's\n";
const quick = wrapRemoteCommand(`echo "$LC_ALL it's"`, 1_000);
const slow = wrapRemoteCommand('echo started; sleep 30; echo not-killed', 1_000);
/**
 * BusyBox `timeout` kills only its PROG (our `sh -c`), not the process group,
 * so a compound script's hung child outlives it (and keeps the output pipe
 * open). A single command is exec'd by ash in place of `sh`, so it dies.
 */
const slowSingle = wrapRemoteCommand('sleep 30', 1_000);

describe('remote command wrapper', () => {
  it('runs with LC_ALL=C and is killed by coreutils timeout under dash', async () => {
    const env = { PATH: '/usr/bin:/bin', LANG: 'en_US.UTF-8' };
    const ok = await run(['dash'], quick, env);
    expect(ok).toMatchObject({ code: 0, stdout: EXPECTED });
    const killed = await run(['dash'], slow, env);
    expect(killed.stdout).toBe('started\n');
    expect(killed.ms).toBeLessThan(3_500);
  });

  (haveBusybox ? describe : describe.skip)('with BusyBox', () => {
    it('uses current BusyBox timeout syntax', async () => {
      const bin = await busyboxBin('new', ['sh', 'timeout', 'sleep', 'echo', 'printf', 'true']);
      const env = { PATH: bin };
      expect(await run([BUSYBOX, 'sh'], quick, env)).toMatchObject({ code: 0, stdout: EXPECTED });
      const killed = await run([BUSYBOX, 'sh'], slowSingle, env);
      expect(killed.signal ?? killed.code).toBeTruthy();
      expect(killed.ms).toBeLessThan(3_500);
    });

    it('falls back to the old BusyBox timeout syntax', async () => {
      const bin = await busyboxBin('old', ['sh', 'sleep', 'echo', 'printf', 'true'], {
        timeout: OLD_BUSYBOX_TIMEOUT,
      });
      const env = { PATH: bin };
      expect(await run([BUSYBOX, 'sh'], quick, env)).toMatchObject({ code: 0, stdout: EXPECTED });
      const killed = await run([BUSYBOX, 'sh'], slowSingle, env);
      expect(killed.signal ?? killed.code).toBeTruthy();
      expect(killed.ms).toBeLessThan(3_500);
    });

    it('still runs the command on a host without timeout', async () => {
      const bin = await busyboxBin('none', ['sh', 'echo', 'printf']);
      expect(await run([BUSYBOX, 'sh'], quick, { PATH: bin })).toMatchObject({
        code: 0,
        stdout: EXPECTED,
      });
    });
  });
});
