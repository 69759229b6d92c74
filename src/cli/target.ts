/**
 * Scan targets as a person types them: `host`, `host:port`, `user@host:port`,
 * an IPv6 address alone (`::1`) or in brackets with a port (`[::1]:2222`).
 */
import { CliError, ExitCode } from './exit';

export interface Target {
  hostname: string;
  /** Absent: the server's default (22). */
  port?: number;
  /** Absent: the `--user` option, else the server's default (root). */
  username?: string;
}

/** Parses `[user@]host[:port]`; throws a usage CliError naming what is wrong. */
export function parseTarget(text: string): Target {
  const input = text.trim();
  const at = input.lastIndexOf('@');
  const username = at === -1 ? undefined : input.slice(0, at);
  const rest = at === -1 ? input : input.slice(at + 1);
  if (username !== undefined && username === '') throw usage(text, 'the user before @ is empty');

  let hostname: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) throw usage(text, 'an IPv6 address opened with [ needs a closing ]');
    hostname = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw usage(text, 'after ] only :PORT may follow');
    portText = after === '' ? undefined : after.slice(1);
  } else if (rest.indexOf(':') !== rest.lastIndexOf(':')) {
    // Two or more colons and no brackets: an IPv6 address without a port.
    hostname = rest;
  } else {
    const colon = rest.indexOf(':');
    hostname = colon === -1 ? rest : rest.slice(0, colon);
    portText = colon === -1 ? undefined : rest.slice(colon + 1);
  }
  if (hostname === '') throw usage(text, 'the host is empty');
  if (/\s/.test(hostname)) throw usage(text, 'a host name has no spaces');
  const target: Target = { hostname };
  if (portText !== undefined) target.port = parsePort(text, portText);
  if (username !== undefined) target.username = username;
  return target;
}

function parsePort(text: string, port: string): number {
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw usage(text, `the port "${port}" is not a number 1-65535`);
  return n;
}

/** A target as the CLI prints it: `user@host:port`, IPv6 in brackets when a port follows. */
export function formatTarget(t: Target): string {
  const host = t.port !== undefined && t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname;
  return `${t.username ? `${t.username}@` : ''}${host}${t.port !== undefined ? `:${t.port}` : ''}`;
}

function usage(text: string, why: string): CliError {
  return new CliError(`bad target "${text}": ${why}`, ExitCode.USAGE);
}

/** One target per line; `#` starts a comment, blank lines are skipped. */
export function parseTargetList(text: string, source: string): Target[] {
  const targets: Target[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      targets.push(parseTarget(line));
    } catch (e) {
      problems.push(`${source}:${i + 1}: ${(e as Error).message}`);
    }
  });
  if (problems.length) throw new CliError(problems.join('\n'), ExitCode.USAGE);
  if (targets.length === 0) throw new CliError(`${source} names no targets`, ExitCode.USAGE);
  return targets;
}
