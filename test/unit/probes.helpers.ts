import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ScanErrorCode } from '../../src/domain/errors';
import { ScanError } from '../../src/domain/errors';
import type { CommandOutput, Probe } from '../../src/probes/probe';

const FIXTURES = join(__dirname, '..', 'fixtures');

/** The captured output of one probe on one system (see test/fixtures/README.md). */
export function fixture(system: string, probe: string): CommandOutput {
  const dir = join(FIXTURES, system);
  const stderrPath = join(dir, `${probe}.stderr.txt`);
  const codes = readFileSync(join(dir, 'exit-codes.txt'), 'utf8').split('\n');
  const code = codes.find((line) => line.startsWith(`${probe} `))?.split(' ')[1];
  if (code === undefined) throw new Error(`no exit code for ${probe} in ${system}`);
  return {
    stdout: readFileSync(join(dir, `${probe}.txt`), 'utf8'),
    stderr: existsSync(stderrPath) ? readFileSync(stderrPath, 'utf8') : '',
    exitCode: code === 'none' ? null : Number(code),
  };
}

export function ok(stdout: string): CommandOutput {
  return { stdout, stderr: '', exitCode: 0 };
}

/** Runs a probe's command on this machine the way the transport does: sh -c, LC_ALL=C. */
export function runLocally(probe: Probe, shell: readonly string[] = ['sh']): CommandOutput {
  const [program = 'sh', ...args] = shell;
  const run = spawnSync(program, [...args, '-c', probe.command], {
    env: { ...process.env, LC_ALL: 'C' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  return { stdout: run.stdout, stderr: run.stderr, exitCode: run.status };
}

/** The ScanError that `fn` throws; fails the test when it throws anything else or nothing. */
export function scanErrorOf(fn: () => unknown): ScanError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScanError) return e;
    throw new Error(`expected a ScanError, got ${String(e)}`);
  }
  throw new Error('expected a ScanError, nothing was thrown');
}

export function expectScanError(
  fn: () => unknown,
  code: ScanErrorCode,
  message?: RegExp,
): ScanError {
  const error = scanErrorOf(fn);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** BusyBox as the whole userland, as in the busybox-1.35 fixtures; null when busybox is absent. */
export function busyboxShell(dir: string): string[] | null {
  const found = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  if (!found) return null;
  const made = spawnSync(found, [
    'sh',
    '-c',
    `mkdir -p "$1" && "$2" --install -s "$1" && rm -f "$1/rpm" "$1/rpm2cpio"`,
    'sh',
    dir,
    found,
  ]);
  if (made.status !== 0) return null;
  return ['env', '-i', `PATH=${dir}`, 'LC_ALL=C', join(dir, 'sh')];
}

/** Kernel-reported facts for cross-checks; values come from fs reads, not from the probes. */
export function procValue(file: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(file, 'utf8'));
  return m?.[1] === undefined ? null : Number(m[1]);
}
