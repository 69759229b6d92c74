import type { OsInfo } from '../domain/result';
import { outputLines, parseError, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'os';

/**
 * uname first, os-release last: the file may lack a final newline, and nothing
 * is printed after it. The no-os-release marker, not an exit code, says the
 * host has neither file (os-release(5): /etc first, then /usr/lib).
 */
const COMMAND = [
  'echo "@@kernel $(uname -r 2>/dev/null)"',
  'echo "@@arch $(uname -m 2>/dev/null)"',
  'if [ -r /etc/os-release ]; then f=/etc/os-release',
  'elif [ -r /usr/lib/os-release ]; then f=/usr/lib/os-release',
  'else f=; fi',
  'if [ -n "$f" ]; then echo "@@os-release $f"; cat "$f"; else echo "@@no-os-release"; fi',
].join('\n');

/** Characters a backslash escapes inside double quotes (sh rules, which os-release(5) follows). */
const DQUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\']);

/**
 * One os-release value: shell-like quoting with single quotes, double quotes
 * and backslash escapes, segments concatenated. Returns null when a quote is
 * never closed, which only a truncated or broken file produces.
 */
export function unquoteOsReleaseValue(raw: string): string | null {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw.charAt(i);
    if (ch === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return null;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i += 1;
      let closed = false;
      while (i < raw.length) {
        const c = raw.charAt(i);
        if (c === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (c === '\\' && DQUOTE_ESCAPABLE.has(raw.charAt(i + 1))) {
          out += raw.charAt(i + 1);
          i += 2;
        } else {
          out += c;
          i += 1;
        }
      }
      if (!closed) return null;
    } else if (ch === '\\') {
      out += raw.charAt(i + 1);
      i += 2;
    } else if (/\s/.test(ch)) {
      // Unquoted whitespace ends the word; anything after is a comment or junk.
      break;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** KEY=value pairs of an os-release file; lines that are not assignments are skipped. */
export function parseOsRelease(lines: readonly string[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of lines) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const value = unquoteOsReleaseValue(m[2].trim());
    if (value !== null) vars.set(m[1], value);
  }
  return vars;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

export const osProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const found = sections(outputLines(NAME, output));
    const byName = (name: string) => found.find((s) => s.name === name);
    if (byName('no-os-release')) {
      throw unsupportedOs(NAME, 'neither /etc/os-release nor /usr/lib/os-release exists', output);
    }
    const release = byName('os-release');
    const kernel = byName('kernel');
    if (!release || !kernel) throw unusable(NAME, 'os-release or uname output missing', output);

    const content = release.lines.filter((l) => !/^\s*(#|$)/.test(l));
    const vars = parseOsRelease(content);
    if (content.length > 0 && vars.size === 0) {
      throw parseError(NAME, `${release.arg || 'os-release'} has no KEY=value lines`, output);
    }
    // os-release(5) defaults, for the fields it defines them for.
    const id = nonEmpty(vars.get('ID')) ?? 'linux';
    const name = nonEmpty(vars.get('NAME')) ?? 'Linux';
    const os: OsInfo = {
      id,
      name,
      version: nonEmpty(vars.get('VERSION')),
      versionId: nonEmpty(vars.get('VERSION_ID')),
      prettyName: nonEmpty(vars.get('PRETTY_NAME')) ?? 'Linux',
      kernel: nonEmpty(kernel.arg),
      arch: nonEmpty(byName('arch')?.arg),
    };
    return { os };
  },
};
