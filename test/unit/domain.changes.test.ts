/**
 * diffResults on pairs of captured systems (test/fixtures), each parsed by
 * the probes as a scan would store it. Version order is checked against
 * dpkg itself (`dpkg --compare-versions`), not against this code's idea of it.
 */
import { spawnSync } from 'node:child_process';

import { diffResults, type ScanChanges } from '../../src/domain/changes';
import { capturedResult, packageLines } from '../support/captured-result';

const BULLSEYE_CHROOT = 'debian-11-bullseye-chroot';
const BULLSEYE_OVERLAY = 'debian-11-bullseye-overlay-root';
const BOOKWORM = 'debian-12-bookworm';

function dpkgSays(a: string, op: 'lt' | 'gt', b: string): boolean {
  return spawnSync('dpkg', ['--compare-versions', a, op, b]).status === 0;
}

/** The sum of every list and non-null change in `c`, counted here apart from countChanges. */
function listed(c: ScanChanges): number {
  const lists = [
    c.packages?.added,
    c.packages?.removed,
    c.packages?.upgraded,
    c.packages?.downgraded,
    c.updates?.newlyAvailable,
    c.updates?.noLongerPending,
    c.filesystems?.added,
    c.filesystems?.removed,
    c.filesystems?.usageChanged,
    c.interfaces?.added,
    c.interfaces?.removed,
    c.interfaces?.addressesAdded,
    c.interfaces?.addressesRemoved,
  ];
  const values = [c.os?.kernel, c.os?.version, c.memory?.totalBytes, c.memory?.swapTotalBytes];
  return lists.reduce((n, l) => n + (l?.length ?? 0), 0) + values.filter((v) => v != null).length;
}

describe('a package removed (dpkg --remove e2fsprogs in the overlay over the same tree)', () => {
  const c = diffResults('p', capturedResult(BULLSEYE_CHROOT), capturedResult(BULLSEYE_OVERLAY));

  it('lists exactly that package as removed, with its version', () => {
    expect(c.packages).toEqual({
      manager: 'dpkg',
      added: [],
      removed: [{ name: 'e2fsprogs', arch: 'amd64', version: '1.46.2-2' }],
      upgraded: [],
      downgraded: [],
    });
  });

  it('counts one change; the failed disk step is not compared, nothing else moved', () => {
    expect(c.count).toBe(1);
    expect(c.filesystems).toBeNull();
    expect(c.updates).toBeNull();
    expect(c.os).toEqual({ kernel: null, version: null });
    expect(c.memory).toEqual({ totalBytes: null, swapTotalBytes: null });
  });
});

describe('Debian 11 to Debian 12 (the overlay root, then this host)', () => {
  const before = capturedResult(BULLSEYE_OVERLAY);
  const after = capturedResult(BOOKWORM);
  const c = diffResults('p', before, after);
  const old = packageLines(BULLSEYE_OVERLAY);
  const now = packageLines(BOOKWORM);

  it('names the OS release change', () => {
    expect(c.os?.version).toEqual({
      from: 'Debian GNU/Linux 11 (bullseye)',
      to: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('adds and removes exactly the name+arch keys only one side has', () => {
    const key = (p: { name: string; arch: string | null }) => `${p.name}\u0000${p.arch ?? ''}`;
    const onlyNow = [...now.keys()].filter((k) => !old.has(k)).sort();
    const onlyOld = [...old.keys()].filter((k) => !now.has(k)).sort();
    expect(c.packages!.added.map(key)).toEqual(onlyNow);
    expect(c.packages!.removed.map(key)).toEqual(onlyOld);
    expect(c.packages!.added.every((p) => now.get(key(p)) === p.version)).toBe(true);
  });

  it('splits every version change into upgrades and downgrades as dpkg orders them', () => {
    const changed = [...now.keys()].filter((k) => old.has(k) && old.get(k) !== now.get(k));
    const { upgraded, downgraded } = c.packages!;
    expect(upgraded.length + downgraded.length).toBe(changed.length);
    expect(upgraded.length).toBeGreaterThan(50);
    for (const u of upgraded)
      expect([u.name, dpkgSays(u.from, 'lt', u.to)]).toEqual([u.name, true]);
    for (const d of downgraded)
      expect([d.name, dpkgSays(d.from, 'gt', d.to)]).toEqual([d.name, true]);
  });

  it('turns upgrades into downgrades and added into removed when read backwards', () => {
    const back = diffResults('p', after, before);
    expect(back.packages!.downgraded.map((d) => [d.name, d.from, d.to])).toEqual(
      c.packages!.upgraded.map((u) => [u.name, u.to, u.from]),
    );
    expect(back.packages!.removed).toEqual(c.packages!.added);
    expect(back.count).toBe(c.count);
  });

  it('counts what it lists', () => {
    expect(c.count).toBe(listed(c));
  });
});

describe('dpkg states changed, and a later capture of the same host', () => {
  const c = diffResults('p', capturedResult(BOOKWORM), capturedResult(BOOKWORM + '-dpkg-states'));

  it('a state change (iU, iF, iHR, hi) is not a package change', () => {
    const names = [
      ...c.packages!.added,
      ...c.packages!.removed,
      ...c.packages!.upgraded,
      ...c.packages!.downgraded,
    ].map((p) => p.name);
    for (const name of ['curl', 'less', 'rsync', 'wget']) expect(names).not.toContain(name);
  });

  it('the security update installed between the two captures is an upgrade', () => {
    expect(c.packages!.upgraded).toContainEqual({
      name: 'libpcre2-8-0',
      arch: 'amd64',
      from: '10.42-1',
      to: '10.42-1+deb12u2',
    });
  });
});

describe('filesystems: this host, then the mounts made for the disk captures', () => {
  const c = diffResults('p', capturedResult(BOOKWORM), {
    disks: capturedResult(BOOKWORM + '-mounts').disks!,
  });

  it('adds the new mounts, removes the one that moved, and reports / filling up', () => {
    const f = c.filesystems!;
    expect(f.removed.map((d) => d.mount)).toEqual(['/mnt/with space']);
    expect(f.added.map((d) => d.mount)).toContain('/var/tmp/hsfix/m/with space');
    expect(f.added.map((d) => d.mount)).toContain('/var/tmp/hsfix/m/big-mirror');
    expect(f.usageChanged).toEqual([
      expect.objectContaining({ mount: '/', fromUsePercent: 23, toUsePercent: 26 }),
    ]);
    // The other sections were not in the second result: not compared.
    expect([c.packages, c.os, c.memory, c.interfaces]).toEqual([null, null, null, null]);
    expect(c.count).toBe(listed(c));
  });
});

describe('interfaces: two network namespaces made for the captures', () => {
  const c = diffResults(
    'p',
    capturedResult(BOOKWORM + '-netns'),
    capturedResult(BOOKWORM + '-netns-alias'),
  );

  it('lists the addresses each side lacks, per interface, and no interface twice', () => {
    const i = c.interfaces!;
    expect([i.added, i.removed]).toEqual([[], []]);
    expect(i.addressesAdded).toContainEqual({
      interfaceName: 'veth-b',
      address: '2001:db8::1',
      family: 'IPV6',
      prefixLength: 64,
    });
    expect(i.addressesRemoved).toContainEqual({
      interfaceName: 'veth-b',
      address: '2001:db8:0:1::1',
      family: 'IPV6',
      prefixLength: 64,
    });
    const added = new Set(i.addressesAdded.map((a) => `${a.interfaceName} ${a.address}`));
    expect(i.addressesRemoved.some((a) => added.has(`${a.interfaceName} ${a.address}`))).toBe(
      false,
    );
  });
});

describe('rpm: the database of six packages, then an empty one', () => {
  it('removes all six, the two architectures of hs-multi apart', () => {
    const c = diffResults(
      'p',
      capturedResult('rpm-4.18-debian-12'),
      capturedResult('rpm-4.18-debian-12-empty-db'),
    );
    expect(c.packages!.removed.map((p) => [p.name, p.arch])).toEqual([
      ['gpg-pubkey', null],
      ['hs-epoch', 'x86_64'],
      ['hs-epoch0', 'x86_64'],
      ['hs-multi', 'i686'],
      ['hs-multi', 'x86_64'],
      ['hs-noarch', 'noarch'],
    ]);
    expect(c.count).toBe(6);
  });
});

describe('the same result twice, and results without a section', () => {
  it('has no change', () => {
    const r = capturedResult(BOOKWORM);
    const c = diffResults('p', r, capturedResult(BOOKWORM));
    expect(c.count).toBe(0);
    expect(listed(c)).toBe(0);
    expect(c.packages).not.toBeNull();
    expect(c.updates).toBeNull();
  });

  it('compares a memory total that moved (this host with its RAM and swap doubled)', () => {
    // Derived from the capture, not captured: no second machine is at hand.
    const m = capturedResult(BOOKWORM).memory!;
    const bigger = { ...m, totalBytes: m.totalBytes * 2, swapTotalBytes: m.swapTotalBytes + 1024 };
    const c = diffResults('p', { memory: m }, { memory: bigger });
    expect(c.memory).toEqual({
      totalBytes: { from: m.totalBytes, to: m.totalBytes * 2 },
      swapTotalBytes: { from: m.swapTotalBytes, to: m.swapTotalBytes + 1024 },
    });
    expect(c.count).toBe(2);
  });
});
