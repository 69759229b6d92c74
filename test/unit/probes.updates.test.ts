import { ScanErrorCode } from '../../src/domain/errors';
import type { ScanResultData } from '../../src/domain/result';
import { patchesProbes, probesFor } from '../../src/probes';
import { compareKernels, rebootProbe } from '../../src/probes/reboot';
import { updatesProbe } from '../../src/probes/updates';
import { expectScanError, fixture, ok } from './probes.helpers';

const updates = (system: string): Partial<ScanResultData> =>
  updatesProbe().parse(fixture(system, 'updates'));

describe('PATCHES probes', () => {
  it('runs os, updates and reboot, in that order', () => {
    expect(probesFor('PATCHES').map((p) => p.name)).toEqual(['os', 'updates', 'reboot']);
  });

  it('refreshes nothing by default, and only with refreshMetadata', () => {
    const [, plain] = patchesProbes();
    const [, refreshing] = patchesProbes({ refreshMetadata: true });
    for (const word of ['apt-get -q update', 'makecache', 'zypper -n -q refresh'])
      expect([plain!.command.includes(word), refreshing!.command.includes(word)]).toEqual([
        false,
        true,
      ]);
    // pacman -Sy alone would set up a partial upgrade: never run, asked or not.
    expect(refreshing!.command).not.toMatch(/pacman -S[a-z]*[yu]/);
  });
});

describe('updates probe on apt (apt 2.6, Debian 12)', () => {
  it('lists the chroot repository’s two updates, security from the -security suite', () => {
    const r = updates('debian-12-bookworm-chroot-apt-updates');
    expect(r.updates).toEqual([
      {
        name: 'diffutils',
        currentVersion: '1:3.8-4',
        availableVersion: '1:3.8-4+deb12u1',
        arch: 'amd64',
        source: 'bookworm-security',
        security: true,
        severity: null,
        advisoryIds: [],
      },
      {
        name: 'hostname',
        currentVersion: '3.23+nmu1',
        availableVersion: '3.23+nmu1+hs1',
        arch: 'amd64',
        source: 'bookworm',
        security: false,
        severity: null,
        advisoryIds: [],
      },
    ]);
    // @@now 1796049935, lists/partial 1796049709.
    expect(r.packageListsAge).toBe(226);
  });

  it('reads Debian’s own archive: 124 upgrades, 74 of them from oldstable-security', () => {
    const r = updates('debian-12-bookworm-apt-updates');
    expect(r.updates).toHaveLength(124);
    expect(r.updates?.filter((u) => u.security)).toHaveLength(74);
    expect(r.updates?.find((u) => u.name === 'libpam0g')).toEqual({
      name: 'libpam0g',
      currentVersion: '1.5.2-6+deb12u1',
      availableVersion: '1.5.2-6+deb12u3',
      arch: 'amd64',
      source: 'oldstable-security',
      security: true,
      severity: null,
      advisoryIds: [],
    });
    expect(r.updates?.find((u) => u.name === 'bash')).toMatchObject({
      source: 'oldstable',
      security: false,
    });
    expect(r.packageListsAge).toBe(1796049928 - 1796049594);
  });

  it('fails the step with the holder when dpkg’s frontend lock is held', () => {
    const e = expectScanError(
      () =>
        updatesProbe().parse(fixture('debian-12-bookworm-chroot-apt-updates-locked', 'updates')),
      ScanErrorCode.COMMAND_FAILED,
    );
    expect(e.message).toContain(
      'apt is busy: lock held on /var/lib/dpkg/lock-frontend (pid 18802)',
    );
  });

  it('says so when no package manager is there', () => {
    const e = expectScanError(
      () => updatesProbe().parse(ok('@@now 1\n@@manager none\n')),
      ScanErrorCode.COMMAND_FAILED,
    );
    expect(e.message).toContain('no supported package manager');
  });
});

describe('reboot probe', () => {
  it('needs no reboot on this Debian 12 host', () => {
    expect(rebootProbe.parse(fixture('debian-12-bookworm-apt-updates', 'reboot'))).toEqual({
      rebootRequired: false,
      rebootReasons: [],
    });
  });

  it('gives the flag file and the packages it names, once each', () => {
    expect(rebootProbe.parse(fixture('debian-12-bookworm-chroot-apt-updates', 'reboot'))).toEqual({
      rebootRequired: true,
      rebootReasons: ['/var/run/reboot-required: libc6, linux-image-6.1.0-99-amd64'],
    });
  });

  it('orders kernel releases by their numbers', () => {
    expect(compareKernels('6.1.0-18-amd64', '6.1.0-9-amd64')).toBe(1);
    expect(compareKernels('5.14.0-362.8.1.el9_3.x86_64', '5.14.0-362.24.1.el9_3.x86_64')).toBe(-1);
    expect(compareKernels('6.1.0-9-amd64', '6.1.0-9-amd64')).toBe(0);
  });
});
