import { randomBytes } from 'node:crypto';

import { shellQuote } from '../transport/shell';

/**
 * The command a login shell receives to run a probe script: plain words, no
 * quoting, redirection or variables, so bash, zsh, fish, tcsh and any other
 * login shell run it alike. The script itself arrives on stdin.
 */
export const SCRIPT_COMMAND = 'sh -s';

/** One probe as the script runs it. */
export interface ScriptStep {
  /** The step's position in the scan; its frames carry it. */
  readonly index: number;
  /** POSIX sh script body, run as `sh -c <command>` with stdin from /dev/null. */
  readonly command: string;
  /** The probe's deadline; the remote `timeout` kills it after this many seconds, rounded up. */
  readonly timeoutMs: number;
  /** Run in a subshell of the script, with no remote `timeout` (Probe.neverBlocks). */
  readonly neverBlocks?: boolean;
}

/**
 * Seconds given to a step's remote `timeout`: its deadline rounded up. The
 * remote kill comes first, so the script goes on with the next probe on the
 * same channel; the runner's local deadline is the backstop.
 */
export function stepTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

/** Exit statuses of a command that `timeout` killed: 124 (TERM), 128 + 9 (KILL). */
export const TIMED_OUT_STATUSES: ReadonlySet<number> = new Set([124, 137]);

/**
 * A marker no host can guess: it frames each probe's output, so whatever a
 * login prints (a `~/.ssh/rc` greeting, a `.bashrc` banner, an escape
 * sequence without a newline) is never taken for a probe's output.
 */
export function newMarker(): string {
  return `HOSTSCAN-${randomBytes(16).toString('hex')}`;
}

/**
 * The whole scan (or what is left of it) as one POSIX sh script for
 * `sh -s`. Each step with index `i` writes,
 * on stdout and on stderr alike:
 *
 *     \n<marker> B <i>\n   <the probe's own output>   \n<marker> E <i> <exit status>\n
 *
 * The newline before each marker line puts it at the start of a line even
 * after output without a trailing newline; the reader removes the one before
 * `E`. Steps run under `LC_ALL=C` (byte-stable tool output; free text is read
 * as bytes and decoded by the reader) with stdin from /dev/null, since the
 * script itself is stdin, and under the host's `timeout -s KILL` when it has
 * one: coreutils and BusyBox >= 1.30 take `timeout -s SIG SECS`, older BusyBox
 * `timeout -t SECS -s SIG`; a trial run of `true` picks the form that works.
 * With neither, the local deadline still applies. A step that never blocks
 * (Probe.neverBlocks) runs in a subshell instead, without `timeout` and
 * `sh -c`: two processes fewer on the host for each such step.
 */
export function buildProbeScript(steps: readonly ScriptStep[], marker: string): string {
  const lines = [
    'LC_ALL=C; export LC_ALL',
    `M=${marker}`,
    'if timeout -s KILL 5 true >/dev/null 2>&1; then',
    '  t() { s=$1; shift; timeout -s KILL "$s" "$@"; }',
    'elif timeout -t 5 -s KILL true >/dev/null 2>&1; then',
    '  t() { s=$1; shift; timeout -t "$s" -s KILL "$@"; }',
    'else',
    '  t() { shift; "$@"; }',
    'fi',
    `b() { printf '\\n%s B %s\\n' "$M" "$1"; printf '\\n%s B %s\\n' "$M" "$1" >&2; }`,
    `e() { printf '\\n%s E %s %s\\n' "$M" "$1" "$2"; printf '\\n%s E %s %s\\n' "$M" "$1" "$2" >&2; }`,
    // p INDEX SECONDS COMMAND: under the remote timeout, in its own sh.
    'p() { b "$1"; t "$2" sh -c "$3" </dev/null; e "$1" $?; }',
    // q INDEX COMMAND: a step that never blocks, in a subshell (a fork, no exec).
    'q() { b "$1"; (eval "$2") </dev/null; e "$1" $?; }',
  ];
  for (const step of steps) {
    lines.push(
      step.neverBlocks
        ? `q ${step.index} ${shellQuote(step.command)}`
        : `p ${step.index} ${stepTimeoutSeconds(step.timeoutMs)} ${shellQuote(step.command)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
