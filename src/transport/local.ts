import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import { ScanError, ScanErrorCode, toError } from '../domain/errors';
import { OutputBuffer } from './output-buffer';
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

function execLocal(command: string, options: ExecOptions): Promise<ExecResult> {
  const { timeoutMs, maxBytes, signal } = options;
  if (signal?.aborted) {
    return Promise.reject(
      new ScanError(ScanErrorCode.CANCELLED, 'command cancelled before it started'),
    );
  }
  const started = performance.now();

  return new Promise<ExecResult>((resolve, reject) => {
    const output = new OutputBuffer(maxBytes);
    let settled = false;
    // detached: the child leads a new process group, so kill(-pid) reaches
    // everything it started. stdin is closed like an SSH channel after EOF.
    const child = spawn('sh', ['-c', command], {
      detached: true,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: ScanError): void => {
      if (settled) return;
      cleanup();
      try {
        killGroup(child);
      } catch (e) {
        // Report the original failure; the kill error rides along as its cause.
        reject(new ScanError(err.code, err.message, { cause: toError(e) }));
        return;
      }
      reject(err);
    };
    const onAbort = (): void => fail(new ScanError(ScanErrorCode.CANCELLED, 'command cancelled'));
    const timer = setTimeout(() => {
      fail(
        new ScanError(
          ScanErrorCode.COMMAND_TIMEOUT,
          `local command did not finish within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (settled) return;
      if (!output.push(stream, chunk)) {
        fail(
          new ScanError(
            ScanErrorCode.OUTPUT_LIMIT,
            `local command wrote more than ${maxBytes} bytes`,
          ),
        );
      }
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));

    child.on('error', (e: Error) => {
      fail(
        new ScanError(ScanErrorCode.COMMAND_FAILED, `cannot run sh: ${e.message}`, { cause: e }),
      );
    });
    // 'close' (not 'exit') fires after both pipes have drained.
    child.on('close', (code: number | null) => {
      if (settled) return;
      cleanup();
      const { stdout, stderr } = output.text();
      resolve({ stdout, stderr, exitCode: code, durationMs: performance.now() - started });
    });
  });
}

/**
 * Runs commands on this machine with `sh -c`, `LC_ALL=C`, and the same output
 * cap, deadline and cancellation as the SSH transport.
 */
export function createLocalTransport(): HostTransport {
  // Like closing an SSH connection: running commands are killed (CANCELLED)
  // and later ones refused.
  const closed = new AbortController();
  return {
    hostKeyFingerprint: null,
    exec: (command, options) =>
      execLocal(command, {
        ...options,
        signal: options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal,
      }),
    close: async () => {
      closed.abort();
    },
  };
}
