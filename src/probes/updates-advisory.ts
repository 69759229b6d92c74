/** Advisory severities as dnf and zypper spell them, most urgent first (compared case-blind). */
const RANK = ['critical', 'important', 'moderate', 'low'];

/** The most urgent of the severities given; null when none is known. */
export function worstSeverity(severities: readonly (string | null)[]): string | null {
  let worst: string | null = null;
  for (const s of severities) {
    const rank = s === null ? -1 : RANK.indexOf(s.toLowerCase());
    if (rank < 0) continue;
    if (worst === null || rank < RANK.indexOf(worst.toLowerCase())) worst = s;
  }
  return worst;
}

/** Split `name.arch` at its last dot (names may hold dots, arches never do). */
export function splitNameArch(text: string): { name: string; arch: string | null } {
  const dot = text.lastIndexOf('.');
  return dot <= 0
    ? { name: text, arch: null }
    : { name: text.slice(0, dot), arch: text.slice(dot + 1) };
}
