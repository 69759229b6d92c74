/**
 * Runs the built `hostscan` CLI (bin/hostscan.js → dist) as a child process,
 * with pipes (no TTY) or inside util-linux `script` (a pseudo-terminal).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/util/paths';

export const CLI_BIN = path.join(PROJECT_ROOT, 'bin', 'hostscan.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Environment over PATH and HOME (HOSTSCAN_URL, HOSTSCAN_TOKEN, …). */
  env?: Record<string, string>;
  /** Written to the CLI's stdin, which is then closed. */
  input?: string;
  /** Killed (and the test failed) after this long. @default 120000 */
  timeoutMs?: number;
  /** Run inside `script -qfec CMD /dev/null`, so stdout and stderr are a TTY. */
  tty?: boolean;
}

/** Quotes one word for sh. */
function shellWord(w: string): string {
  return `'${w.replace(/'/g, `'\\''`)}'`;
}

/** Runs `hostscan ARGS…` to its exit. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env };
  const [cmd, argv] = options.tty
    ? [
        'script',
        ['-qfec', [process.execPath, CLI_BIN, ...args].map(shellWord).join(' '), '/dev/null'],
      ]
    : [process.execPath, [CLI_BIN, ...args]];
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: PROJECT_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `hostscan ${args.join(' ')}: no exit within ${timeoutMs} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
