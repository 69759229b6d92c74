import type { UpdateItem } from '../domain/result';

/** One of the candidate's release files, as apt's RelStr prints it. */
interface AptRelease {
  origin: string | null;
  archive: string;
}

/**
 * An entry of apt's `VerIterator::RelStr` (apt 2.x): `[Origin:][Version/]Archive`,
 * e.g. `Debian-Security:12/stable-security`, `Hostscan-Test:bookworm-security`.
 */
function release(entry: string): AptRelease {
  const colon = entry.indexOf(':');
  const origin = colon < 0 ? null : entry.slice(0, colon);
  const rest = colon < 0 ? entry : entry.slice(colon + 1);
  const slash = rest.lastIndexOf('/');
  return { origin, archive: slash < 0 ? rest : rest.slice(slash + 1) };
}

/** A security suite (`bookworm-security`, `jammy-security`) or a security origin. */
function isSecurity(r: AptRelease): boolean {
  return /-security$/i.test(r.archive) || /security/i.test(r.origin ?? '');
}

/** `Inst name[:arch] [current] (candidate release, release [arch])`; a new install has no `[current]`. */
const INST = /^Inst (\S+) \[([^\]]*)\] \((\S+) (.*?) ?\[([^\]]+)\]\)/;

/**
 * Pending upgrades from `apt-get -s dist-upgrade` (apt 2.6, Debian 12; the
 * simulation's `Inst` lines). Packages newly pulled in (no installed
 * version) and removals are not updates and are left out. `security` is
 * true when any release file of the candidate is a `-security` suite or a
 * security origin; `source` is that suite, else the first one listed.
 */
export function parseAptSimulate(lines: readonly string[]): UpdateItem[] {
  const items: UpdateItem[] = [];
  for (const line of lines) {
    const m = INST.exec(line);
    if (!m) continue;
    const [, fullName, current, candidate, relStr, arch] = m;
    const releases = (relStr ?? '').split(', ').filter(Boolean).map(release);
    const secure = releases.find(isSecurity);
    const colon = fullName!.indexOf(':');
    items.push({
      name: colon < 0 ? fullName! : fullName!.slice(0, colon),
      currentVersion: current || null,
      availableVersion: candidate!,
      arch: arch ?? null,
      source: (secure ?? releases[0])?.archive ?? null,
      security: secure !== undefined,
      severity: null,
      advisoryIds: [],
    });
  }
  return items;
}
