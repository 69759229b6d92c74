import { performance } from 'node:perf_hooks';

import { ScanError, ScanErrorCode } from '../domain/errors';
import { OutputBuffer } from './output-buffer';
import type { ExecOptions, ExecResult } from './transport';

/** A CANCELLED ScanError: the scan's signal aborted or its connection was closed by us. */
export function cancelled(message: string): ScanError {
  return new ScanError(ScanErrorCode.CANCELLED, message);
}

/** What a transport tells a CommandRun about the command it runs. */
export interface CommandRunOptions extends ExecOptions {
  /** How messages name the command: `command on web1:22`, `local command`. */
  readonly label: string;
  /**
   * Stops whatever still runs (close the channel, kill the process group)
   * once the run fails. May throw: the failure is still reported, with the
   * throw as its cause.
   */
  readonly stop: () => void;
  /**
   * When given, each chunk goes here as it arrives and nothing is kept: the
   * result's stdout and stderr are empty. `maxBytes` still caps the total.
   */
  readonly sink?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * The life of one command, shared by the SSH and local transports: a local
 * deadline (COMMAND_TIMEOUT), cancellation through `signal` (CANCELLED), one
 * byte cap over stdout and stderr (OUTPUT_LIMIT), and a promise settled once,
 * whatever arrives after.
 */
export class CommandRun {
  readonly result: Promise<ExecResult>;
  private settled = false;
  private readonly output: OutputBuffer;
  private streamed = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private resolve!: (r: ExecResult) => void;
  private reject!: (e: ScanError) => void;

  constructor(private readonly options: CommandRunOptions) {
    this.output = new OutputBuffer(options.maxBytes);
    this.result = new Promise<ExecResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(() => {
      this.fail(
        new ScanError(
          ScanErrorCode.COMMAND_TIMEOUT,
          `${options.label} did not finish within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once the run succeeded or failed; later events are ignored. */
  get done(): boolean {
    return this.settled;
  }

  /** A chunk of output; past the cap the run fails with OUTPUT_LIMIT. */
  data(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.settled) return;
    const { sink, maxBytes, label } = this.options;
    const withinCap = sink
      ? (this.streamed += chunk.length) <= maxBytes
      : this.output.push(stream, chunk);
    if (!withinCap) {
      this.fail(
        new ScanError(ScanErrorCode.OUTPUT_LIMIT, `${label} wrote more than ${maxBytes} bytes`),
      );
      return;
    }
    sink?.(stream, chunk);
  }

  /** The command ended with `exitCode` (null without an exit status) and its output is complete. */
  succeed(exitCode: number | null): void {
    if (this.settled) return;
    this.cleanup();
    const { stdout, stderr } = this.output.text();
    this.resolve({ stdout, stderr, exitCode, durationMs: performance.now() - this.started });
  }

  /** Ends the run with `err` and stops the command. */
  fail(err: ScanError): void {
    if (this.settled) return;
    this.cleanup();
    try {
      this.options.stop();
    } catch (e) {
      // Report the original failure; the stop's error rides along as its cause.
      this.reject(new ScanError(err.code, err.message, { cause: e, retryable: err.retryable }));
      return;
    }
    this.reject(err);
  }

  private readonly onAbort = (): void => {
    this.fail(cancelled(`${this.options.label} cancelled`));
  };

  private cleanup(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
