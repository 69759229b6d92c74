import type { OsInfo } from '../domain/result';
import { parseOsRelease } from './os-release';
import type { Section } from './output';

type Distro = Pick<OsInfo, 'id' | 'name' | 'version' | 'versionId' | 'prettyName'>;

const NONE: Distro = { id: null, name: null, version: null, versionId: null, prettyName: null };

/** Release files that only say "this is an LSB system" or repeat a more specific one. */
const GENERIC = new Set(['lsb-release', 'system-release', 'os-release']);

/** os-release IDs of distributions whose own release file has another name. */
const IDS: Readonly<Record<string, string>> = {
  redhat: 'rhel',
  SuSE: 'suse',
  debian_version: 'debian',
};

const orNull = (v: string | undefined): string | null => (v ? v : null);

/**
 * `lsb_release -a` (lsb-release 11+, Debian's and Red Hat's): `Distributor
 * ID:`, `Description:`, `Release:`, `Codename:`, a tab after the colon.
 */
function fromLsbCommand(lines: readonly string[]): Distro | null {
  const field = (key: string) =>
    lines
      .find((l) => l.startsWith(`${key}:`))
      ?.slice(key.length + 1)
      .trim();
  const id = field('Distributor ID');
  if (!id || id === 'n/a') return null;
  const release = field('Release');
  return {
    id: id.toLowerCase(),
    name: id,
    version: null,
    versionId: release && release !== 'n/a' ? release : null,
    prettyName: orNull(field('Description')),
  };
}

/** /etc/lsb-release: shell assignments DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_DESCRIPTION. */
function fromLsbFile(lines: readonly string[]): Distro | null {
  const vars = parseOsRelease(lines);
  const id = vars.get('DISTRIB_ID');
  if (!id) return null;
  return {
    id: id.toLowerCase(),
    name: id,
    version: null,
    versionId: orNull(vars.get('DISTRIB_RELEASE')),
    prettyName: orNull(vars.get('DISTRIB_DESCRIPTION')),
  };
}

/**
 * A distribution's own file: `/etc/redhat-release` ("CentOS release 6.10
 * (Final)"), `/etc/alpine-release` ("3.19.1"), `/etc/debian_version`
 * ("11.9", or "bookworm/sid"). The id comes from the file name.
 */
function fromDistroFile(path: string, lines: readonly string[]): Distro | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = base.replace(/[-_]release$/, '');
  const first = lines.find((l) => l.trim() !== '')?.trim();
  if (!first) return null;
  const bare = /^[\w.~+/-]+$/.test(first) && !/\s/.test(first);
  const version = /\brelease\s+(\S+)/i.exec(first)?.[1] ?? (bare ? first : undefined);
  return {
    id: IDS[stem] ?? IDS[base] ?? stem.toLowerCase(),
    name: bare ? null : orNull(/^(.*?)\s+(?:Linux\s+)?release\b/i.exec(first)?.[1]),
    version: null,
    versionId: orNull(version),
    prettyName: bare ? null : first,
  };
}

/**
 * What a host without os-release says about its distribution, best source
 * first: a distribution's own release file (its name is the most specific),
 * then /etc/lsb-release, then `lsb_release -a`. Nothing at all is no error:
 * the kernel and architecture from uname still stand.
 */
export function distroWithoutOsRelease(found: readonly Section[]): Distro {
  const files = found.filter((s) => s.name === 'release-file');
  const specific = files.filter((s) => !GENERIC.has(s.arg.slice(s.arg.lastIndexOf('/') + 1)));
  // debian_version says less than a *-release file next to it (Ubuntu ships both).
  specific.sort((a, b) => Number(a.arg.endsWith('_version')) - Number(b.arg.endsWith('_version')));
  for (const s of specific) {
    const d = fromDistroFile(s.arg, s.lines);
    if (d) return d;
  }
  const lsbFile = files.find((s) => s.arg.endsWith('/lsb-release'));
  const lsb = found.find((s) => s.name === 'lsb_release');
  return (lsbFile && fromLsbFile(lsbFile.lines)) ?? (lsb && fromLsbCommand(lsb.lines)) ?? NONE;
}
