import type { UpdateItem } from '../domain/result';

/**
 * `pacman -Si NAME…` (pacman 6.0): `Key : value` blocks, one per package,
 * separated by a blank line (a key seen again also starts a block, as the
 * probe's output reaches the parser without blank lines). Returns
 * Repository and Architecture by Name.
 */
export function parsePacmanSyncInfo(
  lines: readonly string[],
): Map<string, { repo: string | null; arch: string | null }> {
  const info = new Map<string, { repo: string | null; arch: string | null }>();
  let block = new Map<string, string>();
  const flush = (): void => {
    const name = block.get('Name');
    if (name)
      info.set(name, {
        repo: block.get('Repository') ?? null,
        arch: block.get('Architecture') ?? null,
      });
    block = new Map();
  };
  for (const line of lines) {
    const m = /^(\S[^:]*?)\s*: (.*)$/.exec(line);
    if (m && block.has(m[1]!)) flush();
    if (m) block.set(m[1]!, m[2]!.trim());
    else if (line.trim() === '') flush();
  }
  flush();
  return info;
}

/**
 * Pending updates on a pacman host (pacman 6.0): `pacman -Qu` lines
 * `name installed -> available` (` [ignored]` after an IgnorePkg), with
 * the repository and architecture of the sync candidate from `pacman -Si`.
 * Arch's databases carry no advisories: `security` is always false.
 */
export function pacmanUpdates(
  upgrades: readonly string[],
  syncInfo: readonly string[],
): UpdateItem[] {
  const info = parsePacmanSyncInfo(syncInfo);
  const items: UpdateItem[] = [];
  for (const line of upgrades) {
    const m = /^(\S+) (\S+) -> (\S+)/.exec(line);
    if (!m) continue;
    const candidate = info.get(m[1]!);
    items.push({
      name: m[1]!,
      currentVersion: m[2]!,
      availableVersion: m[3]!,
      arch: candidate?.arch ?? null,
      source: candidate?.repo ?? null,
      security: false,
      severity: null,
      advisoryIds: [],
    });
  }
  return items;
}
