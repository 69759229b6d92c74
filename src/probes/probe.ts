import type { ScanResultData } from '../domain/result';
import type { CommandOutput } from '../transport/transport';

export type { CommandOutput };

/**
 * A probe is data plus a pure function: the shell command to run on the host
 * (a fixed string: never built from user input) and a parser for its output.
 * Parsers never touch the network; they throw ScanError (PARSE_ERROR,
 * COMMAND_FAILED, UNSUPPORTED_OS) when the output cannot be used.
 */
export interface Probe {
  /** Step name shown to clients: `os`, `hostname`, `uptime`, ... */
  readonly name: string;
  /** POSIX sh script, run with LC_ALL=C under a remote `timeout`. */
  readonly command: string;
  /**
   * True for a probe that reads only what the kernel answers at once
   * (procfs files, uname) and so cannot block: the probe script runs it in
   * a subshell, without the remote `timeout` and its own `sh`, two fewer
   * processes on the host. The runner's local deadline still applies.
   */
  readonly neverBlocks?: boolean;
  /** Per-command deadline; the runner's default applies when unset. */
  readonly timeoutMs?: number;
  /** Output cap for this probe; the runner's default applies when unset. */
  readonly maxBytes?: number;
  parse(output: CommandOutput): Partial<ScanResultData>;
}
