import { spawnSync } from 'node:child_process';

import { ScanErrorCode } from '../../src/domain/errors';
import type { PackagesInfo } from '../../src/domain/result';
import { packagesProbe } from '../../src/probes/packages';
import { expectScanError, fixture, ok, runLocally } from './probes.helpers';

const packages = (system: string): PackagesInfo | undefined =>
  packagesProbe.parse(fixture(system, 'packages')).packages;

describe('packages probe on dpkg', () => {
  it('lists every installed package of Debian 12', () => {
    const info = packages('debian-12-bookworm');
    expect(info?.manager).toBe('dpkg');
    expect(info?.count).toBe(766);
    expect(info?.items).toHaveLength(766);
    expect(info?.items).toContainEqual({
      name: 'bash',
      version: '5.2.15-2+b8',
      arch: 'amd64',
      state: 'installed',
    });
    expect(info?.items).toContainEqual({
      name: 'adduser',
      version: '3.134',
      arch: 'all',
      state: 'installed',
    });
  });

  it('keeps epochs in versions (Debian 11 minbase)', () => {
    const info = packages('debian-11-bullseye-chroot');
    expect(info?.count).toBe(96);
    expect(info?.items).toContainEqual({
      name: 'dpkg',
      version: '1.20.13',
      arch: 'amd64',
      state: 'installed',
    });
    expect(info?.items).toContainEqual({
      name: 'bsdutils',
      version: '1:2.36.1-8+deb11u2',
      arch: 'amd64',
      state: 'installed',
    });
  });

  it('leaves out a removed package whose config files remain (rc)', () => {
    expect(fixture('debian-11-bullseye-overlay-root', 'packages').stdout).toContain(
      'e2fsprogs\t1.46.2-2\tamd64\trc \n',
    );
    const info = packages('debian-11-bullseye-overlay-root');
    expect(info?.count).toBe(95);
    expect(info?.items.map((p) => p.name)).not.toContain('e2fsprogs');
  });

  it('works without /proc', () => {
    expect(packages('debian-11-bullseye-chroot-no-proc')?.count).toBe(96);
  });

  it('sorts by name', () => {
    const names = packages('debian-12-bookworm')?.items.map((p) => p.name) ?? [];
    expect(names).toEqual([...names].sort());
  });
});

describe('packages probe without a package manager', () => {
  it('reports COMMAND_FAILED naming the managers it looked for (BusyBox userland)', () => {
    expectScanError(
      () => packages('busybox-1.35'),
      ScanErrorCode.COMMAND_FAILED,
      /no supported package manager.*dpkg, apk, rpm, pacman/,
    );
  });
});

/*
 * rpm and pacman as packaged by Debian 12, over scratch databases holding
 * tiny packages built with rpmbuild and makepkg (see test/fixtures/README.md).
 * The expected values were read separately with `rpm -qa --qf
 * '%{NEVRA} epoch=%{EPOCH} arch=%{ARCH}\n'` and `pacman -Qi` on the same
 * databases, and the counts with `rpm -qa | wc -l` and `pacman -Q | wc -l`.
 */
describe('packages probe on rpm', () => {
  it('lists every package of the database, with epochs, and arch null for gpg-pubkey', () => {
    expect(packages('rpm-4.18-debian-12')).toEqual({
      manager: 'rpm',
      count: 6,
      items: [
        { name: 'gpg-pubkey', version: 'f0ea4645-6b02daf8', arch: null, state: null },
        { name: 'hs-epoch', version: '2:1.4.0-1.el9', arch: 'x86_64', state: null },
        { name: 'hs-epoch0', version: '0:7.2-3.el9_4', arch: 'x86_64', state: null },
        { name: 'hs-multi', version: '5.0.1-1.el9', arch: 'i686', state: null },
        { name: 'hs-multi', version: '5.0.1-1.el9', arch: 'x86_64', state: null },
        { name: 'hs-noarch', version: '0.3-2.fc40', arch: 'noarch', state: null },
      ],
    });
  });

  it('keeps an explicit epoch 0 and leaves out an absent one, as rpm printed them', () => {
    const stdout = fixture('rpm-4.18-debian-12', 'packages').stdout;
    expect(stdout).toContain('hs-epoch0\t0:7.2-3.el9_4\tx86_64\n');
    expect(stdout).toContain('hs-noarch\t0.3-2.fc40\tnoarch\n');
    expect(stdout).toContain('gpg-pubkey\tf0ea4645-6b02daf8\t(none)\n');
  });

  it('accepts an empty database', () => {
    expect(packages('rpm-4.18-debian-12-empty-db')).toEqual({
      manager: 'rpm',
      count: 0,
      items: [],
    });
  });
});

describe('packages probe on pacman', () => {
  it('lists every package of the database, with epochs; pacman -Q gives no arch', () => {
    expect(packages('pacman-6.0-debian-12')).toEqual({
      manager: 'pacman',
      count: 3,
      items: [
        { name: 'hs-pac-any', version: '0.3-2', arch: null, state: null },
        { name: 'hs-pac-beta', version: '1.2.3beta1.r4.gabc1234-1.1', arch: null, state: null },
        { name: 'hs-pac-epoch', version: '1:2.0.1-3', arch: null, state: null },
      ],
    });
  });
});

/*
 * No apk could be run here: Debian 12 does not package apk-tools (see
 * test/fixtures/README.md). This input is constructed by hand from the apk
 * installed-database records the command keeps (P:, V:, A:).
 */
describe('packages probe on apk (constructed input)', () => {
  it('parses apk database records', () => {
    const stdout =
      '@@manager apk\nP:musl\nV:1.2.5-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n\n';
    expect(packagesProbe.parse(ok(stdout)).packages?.items).toEqual([
      { name: 'busybox', version: '1.36.1-r29', arch: 'x86_64', state: null },
      { name: 'musl', version: '1.2.5-r0', arch: 'x86_64', state: null },
    ]);
  });
});

describe('packages probe on bad output', () => {
  const captured = fixture('debian-12-bookworm', 'packages').stdout;

  it('rejects output cut in the middle of a line', () => {
    expectScanError(
      () => packagesProbe.parse(ok(captured.slice(0, 5000))),
      ScanErrorCode.PARSE_ERROR,
      /truncated/,
    );
  });

  it('rejects empty output, and blames a failed command', () => {
    expectScanError(() => packagesProbe.parse(ok('')), ScanErrorCode.PARSE_ERROR);
    expectScanError(
      () =>
        packagesProbe.parse({
          stdout: '@@manager dpkg\n',
          stderr: 'dpkg-query: error: parsing file /var/lib/dpkg/status',
          exitCode: 2,
        }),
      ScanErrorCode.COMMAND_FAILED,
      /parsing file/,
    );
  });

  it('rejects lines in the wrong format', () => {
    expectScanError(
      () => packagesProbe.parse(ok('@@manager dpkg\nii  bash 5.2 amd64 GNU shell\n')),
      ScanErrorCode.PARSE_ERROR,
      /unexpected dpkg-query line/,
    );
    expectScanError(
      () => packagesProbe.parse(ok('@@manager apk\nbusybox-1.36.1-r29\n')),
      ScanErrorCode.PARSE_ERROR,
    );
    expectScanError(
      () => packagesProbe.parse(ok('@@manager yum\nbash\n')),
      ScanErrorCode.PARSE_ERROR,
      /unknown package manager/,
    );
    expectScanError(
      () => packagesProbe.parse(ok('bash 5.2\n')),
      ScanErrorCode.PARSE_ERROR,
      /marker/,
    );
  });
});

describe('packages probe on this machine', () => {
  it('counts what dpkg-query -l reports as installed', () => {
    const info = packagesProbe.parse(runLocally(packagesProbe)).packages;
    const listed = spawnSync('dpkg-query', ['-l'], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C', COLUMNS: '300' },
    }).stdout;
    const installed = listed.split('\n').filter((line) => /^[a-z]i/.test(line)).length;
    expect(info?.manager).toBe('dpkg');
    expect(info?.count).toBe(installed);
  });
});

/*
 * Debian 12 with a modified copy of /var/lib/dpkg/status bind-mounted in a
 * private mount namespace (test/fixtures/README.md): curl "install ok
 * unpacked", less "install ok half-configured", rsync "install reinstreq
 * half-installed", wget "hold ok installed"; the other 778 as installed.
 */
describe('packages probe on dpkg states other than installed', () => {
  const info = packages('debian-12-bookworm-dpkg-states');
  const item = (name: string) => info?.items.find((p) => p.name === name);

  it('lists unpacked, half-configured and half-installed packages with their state', () => {
    expect(item('curl')).toEqual({
      name: 'curl',
      version: '7.88.1-10+deb12u14',
      arch: 'amd64',
      state: 'unpacked',
    });
    expect(item('less')?.state).toBe('half-configured');
    expect(item('rsync')?.state).toBe('half-installed');
    expect(item('wget')?.state).toBe('installed');
  });

  it('counts every package with files on disk', () => {
    const lines = fixture('debian-12-bookworm-dpkg-states', 'packages').stdout.split('\n');
    const withFiles = lines.filter((l) => /\t[a-z][iUFHWt].?$/.test(l));
    expect(withFiles).toHaveLength(782);
    expect(info?.count).toBe(782);
  });
});
