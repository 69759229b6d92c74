import type { PackageItem, PackagesInfo } from '../domain/result';
import { commandFailed, outputLines, sections, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'packages';

/**
 * The first manager whose database is there wins. apk is read from its
 * database file rather than `apk info -v`, whose `name-1.2-r0` lines cannot
 * be split without guessing and carry no architecture; grep keeps only the
 * name/version/arch records. apk comes before rpm because BusyBox can have an
 * `rpm` applet. The `\t` and `\n` are expanded by dpkg-query and rpm.
 */
const COMMAND = [
  'if [ -r /var/lib/dpkg/status ] && command -v dpkg-query >/dev/null 2>&1; then',
  '  echo "@@manager dpkg"',
  "  dpkg-query -W -f='${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n'",
  'elif [ -r /lib/apk/db/installed ]; then',
  '  echo "@@manager apk"',
  "  grep -E '^([PVA]:|$)' /lib/apk/db/installed",
  'elif command -v rpm >/dev/null 2>&1; then',
  '  echo "@@manager rpm"',
  "  rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'",
  'elif command -v pacman >/dev/null 2>&1; then',
  '  echo "@@manager pacman"',
  '  pacman -Q',
  'else',
  '  echo "@@manager none"',
  'fi',
].join('\n');

/** Package output is long: a desktop has thousands. */
const MAX_BYTES = 16 * 1024 * 1024;
/** `rpm -qa` reads a database that can take seconds on a cold cache. */
const TIMEOUT_MS = 60_000;

type Fail = (message: string) => Error;

/**
 * dpkg's status letters (the second of `${db:Status-Abbrev}`, dpkg-query(1),
 * dpkg 1.16.2+) and the status words dpkg itself uses for them.
 */
const DPKG_STATES: Readonly<Record<string, string>> = {
  n: 'not-installed',
  c: 'config-files',
  H: 'half-installed',
  U: 'unpacked',
  F: 'half-configured',
  W: 'triggers-awaited',
  t: 'triggers-pending',
  i: 'installed',
};

/** States whose package has nothing but (at most) its configuration files on disk. */
const DPKG_NO_FILES = new Set(['n', 'c']);

/**
 * `${db:Status-Abbrev}` is want, status, error flags: "ii ", "iU ", "iF ",
 * "rc ". Every package whose files are (even partly) on disk is listed with
 * its state: an interrupted upgrade leaves half-configured or unpacked
 * packages that are as present as installed ones. Only config-files and
 * not-installed are left out.
 */
function dpkg(lines: readonly string[], fail: Fail): PackageItem[] {
  const items: PackageItem[] = [];
  for (const line of lines) {
    const [name, version, arch, status] = line.split('\t');
    if (!name || version === undefined || arch === undefined || status === undefined) {
      throw fail(`unexpected dpkg-query line "${line.slice(0, 80)}"`);
    }
    const letter = status.charAt(1);
    // A letter a later dpkg may add is kept, raw, rather than sinking the list.
    const state = DPKG_STATES[letter] ?? (status.trim() || null);
    if (!DPKG_NO_FILES.has(letter)) items.push({ name, version, arch: arch || null, state });
  }
  return items;
}

/** gpg-pubkey pseudo-packages report their arch as "(none)". */
function rpm(lines: readonly string[], fail: Fail): PackageItem[] {
  return lines.map((line) => {
    const [name, version, arch] = line.split('\t');
    if (!name || !version || arch === undefined)
      throw fail(`unexpected rpm line "${line.slice(0, 80)}"`);
    return { name, version, arch: arch === '(none)' || arch === '' ? null : arch, state: null };
  });
}

/** `P:name`, `V:version`, `A:arch` records; P: opens each one. */
function apk(lines: readonly string[], fail: Fail): PackageItem[] {
  const records: Map<string, string>[] = [];
  for (const line of lines) {
    const m = /^([PVA]):(.*)$/.exec(line);
    if (!m?.[1]) throw fail(`unexpected apk database line "${line.slice(0, 80)}"`);
    if (m[1] === 'P') records.push(new Map());
    records[records.length - 1]?.set(m[1], m[2] ?? '');
  }
  return records.map((fields) => {
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) throw fail(`apk record without name or version ("${name ?? ''}")`);
    return { name, version, arch: fields.get('A') || null, state: null };
  });
}

function pacman(lines: readonly string[], fail: Fail): PackageItem[] {
  return lines.map((line) => {
    const [name, version, extra] = line.trim().split(/\s+/);
    if (!name || !version || extra !== undefined)
      throw fail(`unexpected pacman line "${line.slice(0, 80)}"`);
    return { name, version, arch: null, state: null };
  });
}

export const packagesProbe: Probe = {
  name: NAME,
  command: COMMAND,
  maxBytes: MAX_BYTES,
  timeoutMs: TIMEOUT_MS,
  parse(output) {
    const found = sections(outputLines(NAME, output, { complete: true }));
    const fail: Fail = (message) => unusable(NAME, message, output);
    const section = found.find((s) => s.name === 'manager');
    if (!section) throw fail('no package manager marker');
    const manager = section.arg;
    if (manager === 'none') {
      throw commandFailed(
        NAME,
        'no supported package manager found (dpkg, apk, rpm, pacman)',
        output,
      );
    }
    // A manager that failed outright prints nothing after its marker.
    if (section.lines.length === 0 && output.exitCode !== 0)
      throw fail(`${manager} listed nothing`);
    let items: PackageItem[];
    switch (manager) {
      case 'dpkg':
        items = dpkg(section.lines, fail);
        break;
      case 'rpm':
        items = rpm(section.lines, fail);
        break;
      case 'apk':
        items = apk(section.lines, fail);
        break;
      case 'pacman':
        items = pacman(section.lines, fail);
        break;
      default:
        throw fail(`unknown package manager "${manager}"`);
    }
    items.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : (a.arch ?? '').localeCompare(b.arch ?? ''),
    );
    const packages: PackagesInfo = { manager, count: items.length, items };
    return { packages };
  },
};
