/**
 * What changed between two FULL scans of one host, on the real service and
 * a real sshd. The machine is not changed: the test sshd serves a private
 * mount namespace in which a copy of this machine's dpkg status file is
 * bind-mounted over the real one. Between the scans a second copy goes over
 * it with a package paragraph added, one version bumped (`+hs1`, newer to
 * dpkg), one lowered (`~hs1`, older) and one paragraph removed. A graphql-ws
 * subscriber follows each scan and reads changeCount off its terminal event.
 */
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';

import { followScan, gqlOk, type ScanEvent } from '../support/graphql';
import { missingForHostStates, skipped, TOOLS } from '../support/host-requirements';
import { type MountNamespace, startMountNamespace } from '../support/mount-namespace';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

const STATUS_FILE = '/var/lib/dpkg/status';
const UPDATES_DIR = '/var/lib/dpkg/updates';
const ADDED = { name: 'hostscan-changes-added', arch: 'all', version: '1.0-1' };
const ADDED_PARAGRAPH = `Package: ${ADDED.name}
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 1
Maintainer: hostscan tests <tests@hostscan.invalid>
Architecture: ${ADDED.arch}
Version: ${ADDED.version}
Description: a package paragraph the changes test adds to a copy of the status file`;

const QUERY = `query Scan($id: ID!) {
  scan(id: $id) {
    id status changeCount
    changes {
      previousScanId count
      os { kernel { from to } version { from to } }
      packages {
        manager
        added { name arch version } removed { name arch version }
        upgraded { name arch from to } downgraded { name arch from to }
      }
      updates { newlyAvailable { name } noLongerPending { name } }
      filesystems { added { mount } removed { mount } usageChanged { mount } }
      memory { totalBytes { from to } swapTotalBytes { from to } }
      interfaces { added { name } removed { name } addressesAdded { address } addressesRemoved { address } }
    }
  }
}`;

interface Ref {
  name: string;
  arch: string | null;
}
interface Changes {
  previousScanId: string;
  count: number;
  os: { kernel: unknown; version: unknown } | null;
  packages: {
    manager: string;
    added: Array<Ref & { version: string }>;
    removed: Array<Ref & { version: string }>;
    upgraded: Array<Ref & { from: string; to: string }>;
    downgraded: Array<Ref & { from: string; to: string }>;
  } | null;
  updates: unknown;
  filesystems: Record<string, unknown[]> | null;
  memory: { totalBytes: unknown; swapTotalBytes: unknown } | null;
  interfaces: Record<string, unknown[]> | null;
}
interface ScanRead {
  id: string;
  status: string;
  changeCount: number | null;
  changes: Changes | null;
}
interface ProgressEvent extends ScanEvent {
  changeCount: number | null;
}

const missing = missingForHostStates('changes between two scans in a mount namespace', [
  TOOLS.unshare,
  TOOLS.nsenter,
  TOOLS.dpkgQuery,
]);
let ns: MountNamespace | undefined;
let stack: Stack | undefined;
const scans: ScanRead[] = [];
const events: ProgressEvent[][] = [];
/** The packages edited between the scans: [name, arch, version before, version after]. */
let upgraded: [string, string, string, string];
let downgraded: [string, string, string, string];
let removed: [string, string, string];

const field = (p: string, name: string): string =>
  new RegExp(`^${name}: (.*)$`, 'm').exec(p)?.[1] ?? '';

/**
 * Three installed packages of one architecture each (a Multi-Arch name with
 * two paragraphs would be two keys), from the middle of the file, none
 * essential and none dpkg itself.
 */
function choose(paragraphs: string[]): string[] {
  const names = paragraphs.map((p) => field(p, 'Package'));
  const picked = paragraphs
    .filter((p) => /^Status: install ok installed$/m.test(p) && !/^Essential: yes$/m.test(p))
    .map((p) => field(p, 'Package'))
    .filter((n) => n && n !== 'dpkg' && names.filter((m) => m === n).length === 1)
    .sort();
  const middle = Math.floor(picked.length / 2);
  const three = picked.slice(middle, middle + 3);
  if (three.length !== 3) throw new Error(`too few installed packages in ${STATUS_FILE}`);
  return three;
}

/** Runs one FULL scan of the namespace's sshd, followed live, and reads it back. */
async function scanFollowed(): Promise<void> {
  const id = await stack!.startScan({ target: stack!.sshTarget(), type: 'FULL' });
  const follow = followScan(stack!.ws, id, {
    fields: 'seq status progress step changeCount',
    timeoutMs: 120_000,
  });
  events.push((await follow.done) as ProgressEvent[]);
  const data = await gqlOk<{ scan: ScanRead }>(stack!.service.httpUrl, ADMIN_TOKEN, QUERY, { id });
  scans.push(data.scan);
}

beforeAll(async () => {
  if (missing) return;
  ns = await startMountNamespace();
  const paragraphs = readFileSync(STATUS_FILE, 'utf8').trimEnd().split(/\n\n+/);
  const [up, down, gone] = choose(paragraphs);
  const byName = (n: string) => paragraphs.find((p) => field(p, 'Package') === n)!;
  const version = (n: string) => field(byName(n), 'Version');
  const arch = (n: string) => field(byName(n), 'Architecture');
  upgraded = [up!, arch(up!), version(up!), `${version(up!)}+hs1`];
  downgraded = [down!, arch(down!), version(down!), `${version(down!)}~hs1`];
  removed = [gone!, arch(gone!), version(gone!)];

  // A snapshot for both scans: nothing installed on the machine meanwhile shows.
  const first = `${ns.dir}/status-1`;
  writeFileSync(first, `${paragraphs.join('\n\n')}\n`, { mode: 0o644 });
  await ns.sh(`mkdir ${ns.dir}/updates && mount --bind ${ns.dir}/updates ${UPDATES_DIR}`);
  await ns.sh(`mount --bind ${first} ${STATUS_FILE}`);
  stack = await startStack({ processes: ['main'], sshd: { launcher: ns.launcher } });
  await scanFollowed();

  const edited = paragraphs
    .filter((p) => field(p, 'Package') !== gone)
    .map((p) => {
      const name = field(p, 'Package');
      if (name === up) return p.replace(/^Version: .*$/m, `Version: ${upgraded[3]}`);
      if (name === down) return p.replace(/^Version: .*$/m, `Version: ${downgraded[3]}`);
      return p;
    });
  const second = `${ns.dir}/status-2`;
  writeFileSync(second, `${[...edited, ADDED_PARAGRAPH].join('\n\n')}\n`, { mode: 0o644 });
  await ns.sh(`mount --bind ${second} ${STATUS_FILE}`);
  // The premise, as dpkg itself reads the namespace's database now.
  const seen = await ns.sh(`dpkg-query -W -f='\${Package} \${Version}\\n' ${ADDED.name} ${up}`);
  if (!seen.includes(`${ADDED.name} ${ADDED.version}`) || !seen.includes(upgraded[3]))
    throw new Error(`dpkg-query does not see the edited database: ${seen}`);
  await scanFollowed();
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await ns?.stop();
}, 60_000);

describe('the first FULL scan of a host', () => {
  it('has no changes and no changeCount, and its terminal event says so', () => {
    if (missing) return skipped(missing);
    expect(scans[0]).toEqual({
      id: scans[0]!.id,
      status: 'COMPLETED',
      changeCount: null,
      changes: null,
    });
    expect(events[0]!.at(-1)).toMatchObject({ status: 'COMPLETED', changeCount: null });
  });
});

describe('a package installed, one upgraded, one downgraded and one removed', () => {
  it('lists exactly those, with the versions before and after', () => {
    if (missing) return skipped(missing);
    const c = scans[1]!.changes!;
    expect(c.previousScanId).toBe(scans[0]!.id);
    expect(c.packages).toEqual({
      manager: 'dpkg',
      added: [ADDED],
      removed: [{ name: removed[0], arch: removed[1], version: removed[2] }],
      upgraded: [{ name: upgraded[0], arch: upgraded[1], from: upgraded[2], to: upgraded[3] }],
      downgraded: [
        { name: downgraded[0], arch: downgraded[1], from: downgraded[2], to: downgraded[3] },
      ],
    });
  });

  it('compares every section a FULL scan has; the same kernel, OS and memory totals', () => {
    if (missing) return skipped(missing);
    const c = scans[1]!.changes!;
    expect(c.os).toEqual({ kernel: null, version: null });
    expect(c.memory).toEqual({ totalBytes: null, swapTotalBytes: null });
    expect(c.filesystems).not.toBeNull();
    expect(c.interfaces).not.toBeNull();
    // No PATCHES step in a FULL scan: updates are not compared.
    expect(c.updates).toBeNull();
  });

  it('changeCount counts what changes lists, and the terminal event carries it live', () => {
    if (missing) return skipped(missing);
    const scan = scans[1]!;
    const c = scan.changes!;
    const lists = [c.packages, c.filesystems, c.interfaces].flatMap((s) => Object.values(s!));
    const listed = lists.filter(Array.isArray).reduce((n, l) => n + l.length, 0);
    expect(scan.changeCount).toBe(listed);
    expect(c.count).toBe(listed);
    expect(scan.changeCount).toBeGreaterThanOrEqual(4);
    const last = events[1]!.at(-1)!;
    expect([last.status, last.changeCount]).toEqual(['COMPLETED', scan.changeCount]);
    // Only the terminal event carries it.
    expect(events[1]!.slice(0, -1).every((e) => e.changeCount === null)).toBe(true);
  });

  it('scanHistory serves changeCount with each finished scan', async () => {
    if (missing) return skipped(missing);
    const data = await gqlOk<{
      scanHistory: { edges: Array<{ node: { id: string; changeCount: number | null } }> };
    }>(
      stack!.service.httpUrl,
      ADMIN_TOKEN,
      `{ scanHistory(first: 10) { edges { node { id changeCount } } } }`,
    );
    expect(data.scanHistory.edges.map((e) => e.node)).toEqual([
      { id: scans[1]!.id, changeCount: scans[1]!.changeCount },
      { id: scans[0]!.id, changeCount: null },
    ]);
  });
});
