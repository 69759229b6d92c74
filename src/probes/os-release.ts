/** os-release(5) syntax, shared by the os probe and its fallbacks (lsb-release uses it too). */

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
