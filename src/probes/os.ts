import type { OsInfo } from '../domain/result';
import { distroWithoutOsRelease } from './os-fallback';
import { parseOsRelease } from './os-release';
import { outputLines, parseError, sections, unusable } from './output';
import type { Probe } from './probe';

export { parseOsRelease, unquoteOsReleaseValue } from './os-release';

const NAME = 'os';

/**
 * uname first, os-release last: the file may lack a final newline, and nothing
 * is printed after it. Without os-release (os-release(5): /etc first, then
 * /usr/lib), older and minimal hosts still name their distribution in
 * /etc/*-release, /etc/*_version or `lsb_release -a`: each is printed, under
 * its own marker, with an `echo` for a missing final newline.
 */
const COMMAND = [
  'echo "@@kernel $(uname -r 2>/dev/null)"',
  'echo "@@arch $(uname -m 2>/dev/null)"',
  'if [ -r /etc/os-release ]; then f=/etc/os-release',
  'elif [ -r /usr/lib/os-release ]; then f=/usr/lib/os-release',
  'else f=; fi',
  'if [ -n "$f" ]; then echo "@@os-release $f"; cat "$f"; else',
  '  echo "@@no-os-release"',
  '  for f in /etc/*-release /etc/*_version; do',
  '    [ -f "$f" ] && [ -r "$f" ] || continue',
  '    echo "@@release-file $f"; sed -n \'1,20p\' "$f"; echo',
  '  done',
  '  if command -v lsb_release >/dev/null 2>&1; then echo "@@lsb_release"; lsb_release -a 2>/dev/null; fi',
  'fi',
].join('\n');

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

export const osProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const found = sections(outputLines(NAME, output));
    const byName = (name: string) => found.find((s) => s.name === name);
    const kernel = byName('kernel');
    if (!kernel) throw unusable(NAME, 'uname output missing', output);
    const machine = { kernel: nonEmpty(kernel.arg), arch: nonEmpty(byName('arch')?.arg) };
    if (byName('no-os-release')) {
      return { os: { ...distroWithoutOsRelease(found), ...machine } };
    }
    const release = byName('os-release');
    if (!release) throw unusable(NAME, 'os-release output missing', output);

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
      ...machine,
    };
    return { os };
  },
};
