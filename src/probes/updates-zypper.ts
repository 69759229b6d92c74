import type { UpdateItem } from '../domain/result';
import { splitNameArch, worstSeverity } from './updates-advisory';

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? '');
}

/** Each `<update …>…</update>` of zypper's XML: its attributes and its `<source alias>`. */
function xmlUpdates(text: string): { attrs: Map<string, string>; alias: string | null }[] {
  const out = [];
  for (const m of text.matchAll(/<update\s([^>]*?)\/?>(?:([\s\S]*?)<\/update>)?/g)) {
    const attrs = new Map<string, string>();
    for (const a of (m[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)) attrs.set(a[1]!, unescape(a[2]!));
    const alias = /<source\s[^>]*\balias="([^"]*)"/.exec(m[2] ?? '');
    out.push({ attrs, alias: alias ? unescape(alias[1]!) : null });
  }
  return out;
}

/** A needed patch from `list-patches`, with the packages `info -t patch` says it fixes. */
interface Patch {
  name: string;
  security: boolean;
  severity: string | null;
  fixes: { name: string; arch: string | null }[];
}

/**
 * `zypper info -t patch NAME…` (zypper 1.14, text): per patch, its
 * `Conflicts` (inline, or `[N]` then N indented lines) of the form
 * `name[.arch] < edition`: the package builds the patch replaces.
 */
export function parseZypperPatchInfo(
  lines: readonly string[],
): Map<string, { name: string; arch: string | null }[]> {
  const fixes = new Map<string, { name: string; arch: string | null }[]>();
  let patch: string | null = null;
  let inConflicts = false;
  const add = (entry: string): void => {
    const m = /^(\S+)\s+<=?\s+\S+$/.exec(entry.trim());
    if (!patch || !m || m[1]!.includes(':')) return;
    fixes.get(patch)?.push(splitNameArch(m[1]!));
  };
  for (const line of lines) {
    const head = /^Information for patch (.+):$/.exec(line);
    if (head) {
      patch = head[1]!;
      fixes.set(patch, []);
      inConflicts = false;
      continue;
    }
    const field = /^(\S[^:]*?)\s*:\s?(.*)$/.exec(line);
    if (field && !line.startsWith(' ')) {
      inConflicts = field[1] === 'Conflicts';
      if (inConflicts && !/^\[\d+\]$/.test(field[2]!.trim())) add(field[2]!);
      continue;
    }
    if (inConflicts && line.startsWith(' ')) add(line);
    else inConflicts = false;
  }
  return fixes;
}

/**
 * Pending updates on a zypper host (zypper 1.14, `--xmlout list-updates`,
 * `--xmlout list-patches`, `info -t patch`): one row per package update,
 * `source` the repository alias, and every needed patch whose Conflicts
 * name the package (and its arch, when given) as its advisories.
 * `security` when one of them has category `security`; `severity` is the
 * most urgent of those patches' severities.
 */
export function zypperUpdates(
  updates: string,
  patches: string,
  patchInfo: readonly string[],
): UpdateItem[] {
  const fixes = parseZypperPatchInfo(patchInfo);
  const needed: Patch[] = xmlUpdates(patches)
    .filter((u) => u.attrs.get('kind') === 'patch' && u.attrs.get('status') !== 'applied')
    .map((u) => {
      const name = u.attrs.get('name') ?? '';
      const severity = u.attrs.get('severity') ?? null;
      return {
        name,
        security: u.attrs.get('category') === 'security',
        severity: severity === 'unspecified' ? null : severity,
        fixes: fixes.get(name) ?? [],
      };
    });
  return xmlUpdates(updates)
    .filter((u) => u.attrs.get('kind') === 'package')
    .map(({ attrs, alias }) => {
      const name = attrs.get('name') ?? '';
      const arch = attrs.get('arch') ?? null;
      const mine = needed.filter((p) =>
        p.fixes.some((f) => f.name === name && (f.arch === null || f.arch === arch)),
      );
      const security = mine.filter((p) => p.security);
      return {
        name,
        currentVersion: attrs.get('edition-old') ?? null,
        availableVersion: attrs.get('edition') ?? '',
        arch,
        source: alias,
        security: security.length > 0,
        severity: worstSeverity(security.map((p) => p.severity)),
        advisoryIds: mine.map((p) => p.name),
      };
    });
}
