import type { ScanResultData, UpdateItem } from '../domain/result';
import { commandFailed, outputLines, type Section, sections, unusable } from './output';
import type { CommandOutput, Probe } from './probe';
import { parseAptSimulate } from './updates-apt';
import { dnfUpdates } from './updates-dnf';
import { heldLocks } from './updates-locks';
import { pacmanUpdates } from './updates-pacman';
import { updatesCommand, type UpdatesOptions } from './updates-script';
import { zypperUpdates } from './updates-zypper';

export type { UpdatesOptions } from './updates-script';

const NAME = 'updates';
/** A large fleet host can have thousands of pending updates and a long /proc/locks. */
const MAX_BYTES = 16 * 1024 * 1024;
/** Solving a dependency graph (apt, dnf) over a cold cache takes seconds; a refresh, more. */
const TIMEOUT_MS = 120_000;

/** One manager's parser: its sections in, the updates out. */
type ManagerParser = (found: readonly Section[], output: CommandOutput) => UpdateItem[];

/** The exit status printed after a section's query (`@@status N` right after it). */
export function statusAfter(found: readonly Section[], name: string): number | null {
  const i = found.findIndex((s) => s.name === name);
  const next = i < 0 ? undefined : found[i + 1];
  return next?.name === 'status' ? Number(next.arg) : null;
}

export function section(found: readonly Section[], name: string): Section | undefined {
  return found.find((s) => s.name === name);
}

const apt: ManagerParser = (found, output) => {
  const status = statusAfter(found, 'upgrades');
  if (status !== 0)
    throw commandFailed(
      NAME,
      `apt-get -s dist-upgrade exited ${status ?? 'without a status'}`,
      output,
    );
  return parseAptSimulate(section(found, 'upgrades')?.lines ?? []);
};

/** Fails the step unless the query printed before `@@status` exited with one of `ok`. */
function expectStatus(
  found: readonly Section[],
  name: string,
  what: string,
  ok: readonly number[],
  output: CommandOutput,
): void {
  const status = statusAfter(found, name);
  if (status === null || !ok.includes(status))
    throw commandFailed(NAME, `${what} exited ${status ?? 'without a status'}`, output);
}

const lines = (found: readonly Section[], name: string): string[] =>
  section(found, name)?.lines ?? [];

/** dnf and yum: check-update exits 100 with updates pending, 0 without. */
const dnf: ManagerParser = (found, output) => {
  const m = section(found, 'manager')?.arg ?? 'dnf';
  expectStatus(found, 'upgrades', `${m} check-update`, [0, 100], output);
  expectStatus(found, 'advisories', `${m} updateinfo list`, [0], output);
  expectStatus(found, 'installed', 'rpm -qa', [0], output);
  return dnfUpdates(
    lines(found, 'upgrades'),
    lines(found, 'advisories'),
    lines(found, 'installed'),
  );
};

/** zypper: patch info is only asked for when a patch is needed. */
const zypper: ManagerParser = (found, output) => {
  expectStatus(found, 'upgrades', 'zypper list-updates', [0], output);
  expectStatus(found, 'patches', 'zypper list-patches', [0], output);
  if (section(found, 'patch-info'))
    expectStatus(found, 'patch-info', 'zypper info -t patch', [0], output);
  return zypperUpdates(
    lines(found, 'upgrades').join('\n'),
    lines(found, 'patches').join('\n'),
    lines(found, 'patch-info'),
  );
};

/** pacman -Qu exits 1 when nothing is upgradable. */
const pacman: ManagerParser = (found, output) => {
  expectStatus(found, 'upgrades', 'pacman -Qu', [0, 1], output);
  if (section(found, 'sync-info')) expectStatus(found, 'sync-info', 'pacman -Si', [0], output);
  return pacmanUpdates(lines(found, 'upgrades'), lines(found, 'sync-info'));
};

const PARSERS: Readonly<Record<string, ManagerParser>> = { apt, dnf, yum: dnf, zypper, pacman };

/** Seconds since the newest metadata file was written; null when none was found. */
function listsAge(found: readonly Section[]): number | null {
  const now = Number(section(found, 'now')?.arg);
  const times = found
    .filter((s) => s.name === 'mtime')
    .map((s) => Number(s.arg.split(' ')[0]))
    .filter((t) => Number.isSafeInteger(t) && t > 0);
  if (!Number.isSafeInteger(now) || times.length === 0) return null;
  return Math.max(0, now - Math.max(...times));
}

/** The updates probe for one scan: read-only unless `refreshMetadata` is set. */
export function updatesProbe(options: UpdatesOptions = {}): Probe {
  return {
    name: NAME,
    command: updatesCommand(options),
    maxBytes: MAX_BYTES,
    timeoutMs: TIMEOUT_MS,
    parse(output): Partial<ScanResultData> {
      const found = sections(outputLines(NAME, output, { complete: true }));
      const manager = section(found, 'manager')?.arg;
      if (!manager) throw unusable(NAME, 'no package manager marker', output);
      if (manager === 'none') {
        throw commandFailed(
          NAME,
          'no supported package manager found (apt, dnf, yum, zypper, pacman)',
          output,
        );
      }
      const locks = heldLocks(found);
      if (locks.length > 0) {
        const held = locks.map((l) => `${l.file}${l.pid ? ` (pid ${l.pid})` : ''}`).join(', ');
        throw commandFailed(NAME, `${manager} is busy: lock held on ${held}`, output);
      }
      const parser = PARSERS[manager];
      if (!parser) {
        throw commandFailed(NAME, `${manager}: listing updates is not supported`, output);
      }
      const refreshStatus = statusAfter(found, 'refresh');
      if (refreshStatus !== null && refreshStatus !== 0) {
        const what = section(found, 'refresh')?.arg ?? 'refresh';
        throw commandFailed(NAME, `${what} exited ${refreshStatus}`, output);
      }
      const updates = parser(found, output).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : (a.arch ?? '').localeCompare(b.arch ?? ''),
      );
      return { updates, packageListsAge: listsAge(found) };
    },
  };
}
