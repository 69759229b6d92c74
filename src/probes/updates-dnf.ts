import type { UpdateItem } from '../domain/result';
import { splitNameArch, worstSeverity } from './updates-advisory';

/** One row of `updateinfo list`: an advisory and the package build it updates to. */
interface Advisory {
  id: string;
  security: boolean;
  severity: string | null;
}

/**
 * `dnf -C -q check-update` (dnf 4.14): `name.arch  [epoch:]version-release  repo`
 * per update, a name too long for its column wrapped onto a line of its own;
 * an "Obsoleting Packages" list may follow, which is not updates.
 */
export function parseDnfCheckUpdate(
  lines: readonly string[],
): { name: string; arch: string | null; evr: string; repo: string }[] {
  const rows = [];
  let carry: string[] = [];
  for (const line of lines) {
    if (/^Obsoleting Packages/i.test(line)) break;
    const words = [...carry, ...line.trim().split(/\s+/).filter(Boolean)];
    if (words.length === 0) continue;
    if (words.length < 3) {
      carry = words;
      continue;
    }
    carry = [];
    const [nameArch, evr, repo] = words;
    rows.push({ ...splitNameArch(nameArch!), evr: evr!, repo: repo! });
  }
  return rows;
}

/**
 * `dnf -C -q updateinfo list --updates` (dnf 4.14): `ID  TYPE  NEVRA`, where
 * TYPE is `Severity/Sec.` for a security advisory (`Unknown/Sec.` without a
 * severity) and `bugfix`, `enhancement` or `newpackage` otherwise. Keyed by
 * the NEVRA as dnf prints it (`name-[epoch:]version-release.arch`).
 */
export function parseDnfAdvisories(lines: readonly string[]): Map<string, Advisory[]> {
  const byNevra = new Map<string, Advisory[]>();
  for (const line of lines) {
    const m = /^(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, id, type, nevra] = m;
    const sec = /^(.*)\/Sec\.$/.exec(type!);
    const severity = sec && sec[1] !== 'Unknown' ? sec[1]! : null;
    const list = byNevra.get(nevra!) ?? [];
    list.push({ id: id!, security: sec !== null, severity });
    byNevra.set(nevra!, list);
  }
  return byNevra;
}

/**
 * `rpm -qa --qf '%{NAME}.%{ARCH} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n'`
 * (rpm 4.18): installed `[epoch:]version-release` by `name.arch`. Where several
 * builds of one are installed (kernels), the last listed is kept.
 */
export function parseRpmInstalled(lines: readonly string[]): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of lines) {
    const [nameArch, evr] = line.trim().split(/\s+/);
    if (nameArch && evr) installed.set(nameArch, evr);
  }
  return installed;
}

/**
 * Pending updates on a dnf host (dnf 4.14, rpm 4.18): check-update's rows,
 * their installed version from rpm, and the advisories that name the
 * candidate build. `security` when any of them is a security advisory;
 * `severity` is the most urgent of those; `source` is the dnf repo id.
 */
export function dnfUpdates(
  upgrades: readonly string[],
  advisories: readonly string[],
  installed: readonly string[],
): UpdateItem[] {
  const byNevra = parseDnfAdvisories(advisories);
  const current = parseRpmInstalled(installed);
  return parseDnfCheckUpdate(upgrades).map((row) => {
    const nameArch = row.arch === null ? row.name : `${row.name}.${row.arch}`;
    const found = byNevra.get(`${row.name}-${row.evr}${row.arch === null ? '' : `.${row.arch}`}`);
    const security = (found ?? []).filter((a) => a.security);
    return {
      name: row.name,
      currentVersion: current.get(nameArch) ?? null,
      availableVersion: row.evr,
      arch: row.arch,
      source: row.repo,
      security: security.length > 0,
      severity: worstSeverity(security.map((a) => a.severity)),
      advisoryIds: (found ?? []).map((a) => a.id),
    };
  });
}
