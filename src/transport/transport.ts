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

/**
 * One connected host. SSH and LOCAL sit behind this interface so probes and
 * the worker never know which one runs them.
 */
export interface HostTransport {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** SHA-256 fingerprint of the host key seen on connect (SSH only). */
  readonly hostKeyFingerprint: string | null;
  close(): Promise<void>;
}
