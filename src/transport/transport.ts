/** What a transport hands a parser: the finished command's output. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  /** null when the command ended without an exit status (killed, channel closed). */
  exitCode: number | null;
}

export interface ExecOptions {
  /** Local deadline; the remote side also runs the command under `timeout`. */
  timeoutMs: number;
  /** Cap on stdout + stderr bytes; past it the command is killed (OUTPUT_LIMIT). */
  maxBytes: number;
  /** Aborting closes the channel / kills the child and rejects with CANCELLED. */
  signal?: AbortSignal;
}

export interface ExecResult extends CommandOutput {
  durationMs: number;
}

/** A command whose output is handed over as it arrives instead of collected. */
export interface StreamOptions extends ExecOptions {
  /** Written to the command's stdin, which is then closed. */
  stdin: string | Buffer;
  /**
   * Each chunk of output as it arrives, raw bytes. `maxBytes` caps the sum of
   * both streams; nothing is kept by the transport.
   */
  onData(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

/** How a streamed command ended: `stdout`/`stderr` are empty (see onData). */
export type StreamResult = ExecResult;

/**
 * One connected host. SSH and LOCAL sit behind this interface so probes and
 * the worker never know which one runs them.
 */
export interface HostTransport {
  /**
   * Runs `command` (a POSIX sh script, quoted and wrapped by the transport:
   * LC_ALL=C, remote `timeout`, stdin from /dev/null) and collects its output.
   * Rejects with a ScanError: COMMAND_TIMEOUT, OUTPUT_LIMIT, CANCELLED, or a
   * connection error.
   */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /**
   * Runs `command` exactly as given (SSH: sent to the login shell as is, so
   * it should be plain words such as `sh -s`; LOCAL: `sh -c command`), feeds
   * it `options.stdin` and streams its output to `options.onData`. Rejects
   * like exec.
   */
  stream(command: string, options: StreamOptions): Promise<StreamResult>;
  /** SHA-256 fingerprint of the host key seen on connect (SSH only). */
  readonly hostKeyFingerprint: string | null;
  close(): Promise<void>;
}
