/**
 * Packages that are on disk but not "installed" (issue case 6): a copy of
 * this machine's dpkg status file, with two real packages set to
 * half-configured (iF) and unpacked (iU), bind-mounted over the real one in
 * a private mount namespace that the test sshd serves. A FULL scan must list
 * every package whose files are on disk, those two among them.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import { missingForHostStates, skipped, TOOLS } from '../support/host-requirements';
import { type MountNamespace, startMountNamespace } from '../support/mount-namespace';
import { runScan, type ScanRow } from '../support/scan-result';
import { type Stack, startStack } from '../support/stack';

const STATUS_FILE = '/var/lib/dpkg/status';
/**
 * Packages with files on disk, by the second letter of `${db:Status-Abbrev}`:
 * every state but not-installed (n) and config-files (c).
 */
const ON_DISK = /^.[^nc ]/;
/** What each chosen package is set to, and the abbreviation dpkg-query then prints. */
const STATES = [
  { status: 'install ok half-configured', abbrev: 'iF', state: 'half-configured' },
  { status: 'install ok unpacked', abbrev: 'iU', state: 'unpacked' },
] as const;

const missing = missingForHostStates('dpkg states in a private mount namespace', [
  TOOLS.unshare,
  TOOLS.nsenter,
  TOOLS.dpkgQuery,
]);
let ns: MountNamespace | undefined;
let stack: Stack | undefined;
let scan: ScanRow;
let chosen: string[] = [];
/** `${db:Status-Abbrev}\t${Package}` lines as dpkg-query prints them inside the namespace. */
let statusLines: string[] = [];

/**
 * Two installed packages of one architecture each (a Multi-Arch name with
 * two records would be ambiguous), from the middle of the file so that
 * neither is dpkg itself or an essential first entry.
 */
function choosePackages(paragraphs: string[]): string[] {
  const names = paragraphs.map((p) => /^Package: (\S+)$/m.exec(p)?.[1] ?? '');
  const installed = paragraphs
    .filter((p) => /^Status: install ok installed$/m.test(p) && !/^Essential: yes$/m.test(p))
    .map((p) => /^Package: (\S+)$/m.exec(p)?.[1] ?? '')
    .filter((n) => n && n !== 'dpkg' && names.filter((m) => m === n).length === 1)
    .sort();
  const middle = Math.floor(installed.length / 2);
  const picked = installed.slice(middle, middle + 2);
  if (picked.length !== 2) throw new Error(`too few installed packages in ${STATUS_FILE}`);
  return picked;
}

beforeAll(async () => {
  if (missing) return;
  ns = await startMountNamespace();
  const paragraphs = readFileSync(STATUS_FILE, 'utf8').split(/\n\n+/);
  chosen = choosePackages(paragraphs);
  const edited = paragraphs.map((p) => {
    const i = chosen.indexOf(/^Package: (\S+)$/m.exec(p)?.[1] ?? '');
    return i < 0 ? p : p.replace(/^Status: .*$/m, `Status: ${STATES[i]!.status}`);
  });
  const copy = `${ns.dir}/status`;
  writeFileSync(copy, edited.join('\n\n'), { mode: 0o644 });
  await ns.sh(`mount --bind ${copy} ${STATUS_FILE}`);
  statusLines = (await ns.sh(`dpkg-query -W -f='\${db:Status-Abbrev}\\t\${Package}\\n'`))
    .split('\n')
    .filter(Boolean);
  // The premise, as dpkg itself reads the namespace's database.
  for (const [i, name] of chosen.entries()) {
    if (!statusLines.some((l) => l.startsWith(STATES[i]!.abbrev) && l.endsWith(`\t${name}`)))
      throw new Error(`dpkg-query does not see ${name} as ${STATES[i]!.abbrev}`);
  }
  stack = await startStack({ processes: ['main'], sshd: { launcher: ns.launcher } });
  scan = await runScan(stack, stack.sshTarget(), 'FULL');
}, 150_000);

afterAll(async () => {
  await stack?.stop();
  await ns?.stop();
}, 60_000);

describe('case 6: dpkg packages half-configured (iF) and unpacked (iU)', () => {
  it('the packages step SUCCEEDED', () => {
    if (missing) return skipped(missing);
    const step = scan.steps.find((s) => s.name === 'packages');
    expect([step?.status, step?.error]).toEqual(['SUCCEEDED', null]);
    expect(scan.result?.packages?.manager).toBe('dpkg');
  });

  it('counts every package whose files are on disk, as dpkg-query lists them', () => {
    if (missing) return skipped(missing);
    const onDisk = statusLines.filter((l) => ON_DISK.test(l));
    expect(scan.result?.packages?.count).toBe(onDisk.length);
    expect(scan.result?.packages?.items).toHaveLength(onDisk.length);
  });

  it('lists the half-configured and the unpacked package', () => {
    if (missing) return skipped(missing);
    const items = scan.result?.packages?.items ?? [];
    const found = chosen.map((name) => items.find((p) => p.name === name)?.state ?? 'missing');
    // With dpkg's own word for the state they are in.
    expect(found).toEqual(STATES.map((s) => s.state));
  });
});
