import { hostname } from 'node:os';

import { ScanErrorCode } from '../../src/domain/errors';
import { hostnameProbe } from '../../src/probes/hostname';
import { expectScanError, fixture, ok, runLocally } from './probes.helpers';

describe('hostname probe', () => {
  it.each([
    'debian-12-bookworm',
    'busybox-1.35',
    'debian-11-bullseye-chroot',
    'debian-11-bullseye-chroot-no-proc',
  ])('reads the captured name on %s', (system) => {
    expect(hostnameProbe.parse(fixture(system, 'hostname'))).toEqual({ hostname: 'vm' });
  });

  it('rejects empty output', () => {
    expectScanError(() => hostnameProbe.parse(ok('\n')), ScanErrorCode.PARSE_ERROR, /empty output/);
  });

  // This also refused a name with spaces before; the kernel takes any bytes
  // for its nodename, so only several lines are refused now.
  it('rejects more than one line', () => {
    expectScanError(() => hostnameProbe.parse(ok('vm\nother\n')), ScanErrorCode.PARSE_ERROR);
  });

  it('keeps a name with spaces and non-ASCII that the kernel was given (UTS namespace)', () => {
    expect(hostnameProbe.parse(fixture('debian-12-bookworm-uts-spaced-name', 'hostname'))).toEqual({
      hostname: 'büro pc 1',
    });
  });

  it('reports COMMAND_FAILED with stderr when every fallback failed', () => {
    expectScanError(
      () =>
        hostnameProbe.parse({
          stdout: '',
          stderr: 'cat: /proc/sys/kernel/hostname: No such file or directory',
          exitCode: 1,
        }),
      ScanErrorCode.COMMAND_FAILED,
      /No such file/,
    );
  });

  it('matches os.hostname() on this machine', () => {
    expect(hostnameProbe.parse(runLocally(hostnameProbe)).hostname).toBe(hostname());
  });
});
