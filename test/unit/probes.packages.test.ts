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
    expect(info?.items).toContainEqual({ name: 'bash', version: '5.2.15-2+b8', arch: 'amd64' });
    expect(info?.items).toContainEqual({ name: 'adduser', version: '3.134', arch: 'all' });
  });

  it('keeps epochs in versions (Debian 11 minbase)', () => {
    const info = packages('debian-11-bullseye-chroot');
    expect(info?.count).toBe(96);
    expect(info?.items).toContainEqual({ name: 'dpkg', version: '1.20.13', arch: 'amd64' });
    expect(info?.items).toContainEqual({
      name: 'bsdutils',
      version: '1:2.36.1-8+deb11u2',
      arch: 'amd64',
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
 * No RHEL-like, Alpine or Arch system could be captured here (see
 * test/fixtures/README.md). These inputs are constructed by hand from the
 * formats the command asks for: rpm's --qf string, apk's installed-database
 * records (P:, V:, A:), and `pacman -Q` ("name version").
 */
describe('packages probe on other managers (constructed inputs)', () => {
  it('parses rpm lines, keeping the epoch and dropping "(none)" arches', () => {
    const stdout =
      '@@manager rpm\nbash\t5.1.8-9.el9\tx86_64\nperl-IO\t4:1.43-481.el9\tx86_64\ngpg-pubkey\t8483c65d-5ccc5b19\t(none)\n';
    expect(packagesProbe.parse(ok(stdout)).packages).toEqual({
      manager: 'rpm',
      count: 3,
      items: [
        { name: 'bash', version: '5.1.8-9.el9', arch: 'x86_64' },
        { name: 'gpg-pubkey', version: '8483c65d-5ccc5b19', arch: null },
        { name: 'perl-IO', version: '4:1.43-481.el9', arch: 'x86_64' },
      ],
    });
  });

  it('parses apk database records', () => {
    const stdout =
      '@@manager apk\nP:musl\nV:1.2.5-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n\n';
    expect(packagesProbe.parse(ok(stdout)).packages?.items).toEqual([
      { name: 'busybox', version: '1.36.1-r29', arch: 'x86_64' },
      { name: 'musl', version: '1.2.5-r0', arch: 'x86_64' },
    ]);
  });

  it('parses pacman -Q', () => {
    const stdout = '@@manager pacman\nacl 2.3.2-1\nzstd 1.5.6-1\n';
    expect(packagesProbe.parse(ok(stdout)).packages).toMatchObject({ manager: 'pacman', count: 2 });
  });

  it('accepts an empty rpm database', () => {
    expect(packagesProbe.parse(ok('@@manager rpm\n')).packages).toEqual({
      manager: 'rpm',
      count: 0,
      items: [],
    });
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
