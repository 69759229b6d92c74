/**
 * Quotes `value` as one POSIX shell word. Single quotes keep everything
 * literal except `'` itself, which closes the quote, adds an escaped quote and
 * reopens: the only form that is safe in every POSIX shell (no `$'..'`).
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Seconds given to the remote `timeout`. The local deadline fires first; the
 * remote one is the backstop that kills a command whose channel we closed but
 * whose process the server left running (no pty, so closing the channel does
 * not signal it). One spare second keeps the two from racing.
 */
export function remoteTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000) + 1);
}

/**
 * Wraps `command` for a remote POSIX login shell: `LC_ALL=C` so parsers see
 * untranslated, byte-stable output, and under `timeout -s KILL` when the host
 * has one.
 *
 * `timeout` syntax differs: coreutils and BusyBox >= 1.30 take
 * `timeout [-s SIG] SECS PROG`; older BusyBox takes `timeout [-t SECS] [-s SIG]
 * PROG` and would try to execute `SECS` as the program. A quick trial run of
 * `true` picks the form that works (one extra fork, ~1 ms); with neither, the
 * command runs without a remote timeout and the local deadline still applies.
 * coreutils `timeout` signals the command's whole process group; BusyBox's
 * signals only its PROG (`sh -c`), so there a compound script's hung child
 * outlives the remote deadline (a single command is exec'd by ash in place
 * of `sh` and does die). The local deadline still fires either way.
 * The whole script is one line so that it survives shells that mangle
 * newlines inside quotes. stdin is /dev/null so a command that reads it ends
 * at once; closing stdin from our side (channel EOF) would do the same but
 * makes ssh2 refuse to send the "signal" request that stops a command.
 */
export function wrapRemoteCommand(command: string, timeoutMs: number): string {
  const secs = remoteTimeoutSeconds(timeoutMs);
  const quoted = shellQuote(command);
  return [
    'LC_ALL=C; export LC_ALL',
    'if command -v timeout >/dev/null 2>&1; then' +
      ' if timeout -s KILL 5 true >/dev/null 2>&1; then' +
      ` exec timeout -s KILL ${secs} sh -c ${quoted} </dev/null;` +
      ' elif timeout -t 5 -s KILL true >/dev/null 2>&1; then' +
      ` exec timeout -t ${secs} -s KILL sh -c ${quoted} </dev/null;` +
      ' fi;' +
      ' fi',
    `exec sh -c ${quoted} </dev/null`,
  ].join('; ');
}
