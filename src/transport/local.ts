import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import { ScanError, ScanErrorCode, toError } from '../domain/errors';
import { cancelled, CommandRun, type CommandRunOptions } from './command-run';
import type { ExecOptions, ExecResult, HostTransport } from './transport';

/**
 * Kills the command's whole process group: `sh -c 'a | b'` or a script that
 * forks would otherwise leave children running (and holding our pipes open).
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (e) {
    // ESRCH: the group is already gone, which is the state we want.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw new Error(`cannot kill process group ${child.pid}`, { cause: toError(e) });
    }
  }
}

/**
 * Runs `sh -c command` in its own process group with LC_ALL=C. With `stdin`,
 * writes it to the child and closes it; without, stdin is closed at once
 * (like an SSH channel after EOF).
 */
function runLocal(
  command: string,
  options: ExecOptions & Pick<CommandRunOptions, 'sink'>,
  stdin?: string | Buffer,
): Promise<ExecResult> {
  if (options.signal?.aborted) {
    return Promise.reject(cancelled('command cancelled before it started'));
  }
  // detached: the child leads a new process group, so kill(-pid) reaches
  // everything it started.
  const child = spawn('sh', ['-c', command], {
    detached: true,
    env: { ...process.env, LC_ALL: 'C' },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  // A child that exits without reading its stdin makes the write fail with
  // EPIPE; the exit status, not the write, tells what happened.
  child.stdin?.on('error', () => undefined);
  if (stdin !== undefined) child.stdin?.end(stdin);
  const run = new CommandRun({ ...options, label: 'local command', stop: () => killGroup(child) });
  child.stdout?.on('data', (chunk: Buffer) => run.data('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => run.data('stderr', chunk));
  child.on('error', (e: Error) => {
    run.fail(
      new ScanError(ScanErrorCode.COMMAND_FAILED, `cannot run sh: ${e.message}`, { cause: e }),
    );
  });
  // 'close' (not 'exit') fires after both pipes have drained.
  child.on('close', (code: number | null) => run.succeed(code));
  return run.result;
}

/**
 * Runs commands on this machine with `sh -c`, `LC_ALL=C`, and the same output
 * cap, deadline and cancellation as the SSH transport.
 */
export function createLocalTransport(): HostTransport {
  // Like closing an SSH connection: running commands are killed (CANCELLED)
  // and later ones refused.
  const closed = new AbortController();
  const withClosed = (options: ExecOptions): AbortSignal =>
    options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal;
  return {
    hostKeyFingerprint: null,
    exec: (command, options) => runLocal(command, { ...options, signal: withClosed(options) }),
    stream: (command, options) =>
      runLocal(
        command,
        { ...options, signal: withClosed(options), sink: options.onData },
        options.stdin,
      ),
    close: async () => {
      closed.abort();
    },
  };
}
