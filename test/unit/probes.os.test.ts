import { readFileSync } from 'node:fs';
import { arch, release } from 'node:os';

import { ScanErrorCode } from '../../src/domain/errors';
import { osProbe, parseOsRelease, unquoteOsReleaseValue } from '../../src/probes/os';
import { expectScanError, fixture, ok, runLocally } from './probes.helpers';

const parse = (system: string) => osProbe.parse(fixture(system, 'os')).os;

describe('os probe on captured outputs', () => {
  it('reads Debian 12 os-release and uname', () => {
    expect(parse('debian-12-bookworm')).toEqual({
      id: 'debian',
      name: 'Debian GNU/Linux',
      version: '12 (bookworm)',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.18.44-fc-v657',
      arch: 'x86_64',
    });
  });

  it('reads Debian 11 inside a chroot', () => {
    expect(parse('debian-11-bullseye-chroot')).toMatchObject({
      id: 'debian',
      versionId: '11',
      version: '11 (bullseye)',
      prettyName: 'Debian GNU/Linux 11 (bullseye)',
      kernel: '6.18.44-fc-v657',
    });
  });

  it('reads the same facts through BusyBox uname', () => {
    expect(parse('busybox-1.35')).toEqual(parse('debian-12-bookworm'));
  });

  // This asserted UNSUPPORTED_OS before: a missing optional file failed the
  // whole probe and dropped the kernel and architecture that uname did give.
  it('still reports kernel and arch when the host has no release file at all', () => {
    expect(parse('debian-11-bullseye-chroot-no-proc')).toEqual({
      id: null,
      name: null,
      version: null,
      versionId: null,
      prettyName: null,
      kernel: '6.18.44-fc-v657',
      arch: 'x86_64',
    });
  });
});

/*
 * Debian 12 with /etc/os-release and /usr/lib/os-release hidden behind
 * overlays in a private mount namespace (test/fixtures/README.md); once with
 * lsb_release left in place (it reads os-release, so it says n/a), once
 * without it.
 */
describe.each(['debian-12-bookworm-no-os-release', 'debian-12-bookworm-no-os-release-no-lsb'])(
  'os probe on %s',
  (system) => {
    it('falls back to /etc/debian_version', () => {
      expect(parse(system)).toEqual({
        id: 'debian',
        name: null,
        version: null,
        versionId: '12.11',
        prettyName: null,
        kernel: '6.18.44-fc-v595',
        arch: 'x86_64',
      });
    });
  },
);

describe('os-release value syntax (os-release(5))', () => {
  it.each([
    ['"Debian GNU/Linux"', 'Debian GNU/Linux'],
    ["'single quoted'", 'single quoted'],
    ['bookworm', 'bookworm'],
    ['"say \\"hi\\" for \\$5 \\`now\\` \\\\o/"', 'say "hi" for $5 `now` \\o/'],
    ['"keeps \\n as is"', 'keeps \\n as is'],
    ['unquoted\\ escaped', 'unquoted escaped'],
    ['"a"\'b\'c', 'abc'],
    ['""', ''],
    ['value # comment', 'value'],
  ])('unquotes %s', (raw, expected) => {
    expect(unquoteOsReleaseValue(raw)).toBe(expected);
  });

  it('rejects an unterminated quote', () => {
    expect(unquoteOsReleaseValue('"cut off')).toBeNull();
  });

  it('skips comments, blank lines and non-assignments', () => {
    const vars = parseOsRelease([
      '# comment',
      '',
      'ID=alpine',
      'not an assignment',
      'VERSION_ID=3.20.1',
    ]);
    expect([...vars]).toEqual([
      ['ID', 'alpine'],
      ['VERSION_ID', '3.20.1'],
    ]);
  });
});

describe('os probe on bad output', () => {
  const captured = fixture('debian-12-bookworm', 'os').stdout;

  it('applies the os-release(5) defaults to an empty os-release file', () => {
    const os = osProbe.parse(
      ok('@@kernel 5.10.0\n@@arch aarch64\n@@os-release /etc/os-release\n'),
    ).os;
    expect(os).toEqual({
      id: 'linux',
      name: 'Linux',
      version: null,
      versionId: null,
      prettyName: 'Linux',
      kernel: '5.10.0',
      arch: 'aarch64',
    });
  });

  it('rejects empty output as PARSE_ERROR', () => {
    expectScanError(() => osProbe.parse(ok('')), ScanErrorCode.PARSE_ERROR, /empty output/);
  });

  it('blames the command when it failed and printed nothing, quoting stderr', () => {
    const error = expectScanError(
      () => osProbe.parse({ stdout: '', stderr: 'sh: 1: uname: not found\n', exitCode: 127 }),
      ScanErrorCode.COMMAND_FAILED,
    );
    expect(error.message).toContain('exit code 127');
    expect(error.message).toContain('uname: not found');
  });

  it('rejects output cut before the os-release section', () => {
    const cut = captured.slice(0, captured.indexOf('@@os-release'));
    expectScanError(() => osProbe.parse(ok(cut)), ScanErrorCode.PARSE_ERROR);
  });

  it('rejects an os-release section of garbage', () => {
    const garbage =
      '@@kernel 6.1\n@@arch x86_64\n@@os-release /etc/os-release\n\u0000\u0001binary junk\n<html>\n';
    expectScanError(() => osProbe.parse(ok(garbage)), ScanErrorCode.PARSE_ERROR, /no KEY=value/);
  });

  it('rejects output without markers', () => {
    expectScanError(() => osProbe.parse(ok('Linux vm 6.1.0 x86_64\n')), ScanErrorCode.PARSE_ERROR);
  });
});

describe('os probe on this machine', () => {
  it('agrees with Node and /etc/os-release', () => {
    const { os } = osProbe.parse(runLocally(osProbe));
    expect(os?.kernel).toBe(release());
    expect(os?.arch).toBe({ x64: 'x86_64', arm64: 'aarch64' }[arch()] ?? os?.arch);
    const file = readFileSync('/etc/os-release', 'utf8');
    expect(file).toMatch(new RegExp(`^ID="?${os?.id ?? '-'}"?$`, 'm'));
  });
});
