import { uptime } from 'node:os';

import { ScanErrorCode } from '../../src/domain/errors';
import { uptimeProbe } from '../../src/probes/uptime';
import { expectScanError, fixture, ok, runLocally } from './probes.helpers';

const parse = (system: string) => uptimeProbe.parse(fixture(system, 'uptime')).uptimeSeconds;

describe('uptime probe', () => {
  it('floors the seconds of /proc/uptime', () => {
    expect(parse('debian-12-bookworm')).toBe(491); // 491.46
    expect(parse('busybox-1.35')).toBe(492); // 492.96
    expect(parse('debian-11-bullseye-chroot')).toBe(501); // 501.13
  });

  it('reports UNSUPPORTED_OS without /proc', () => {
    expectScanError(
      () => parse('debian-11-bullseye-chroot-no-proc'),
      ScanErrorCode.UNSUPPORTED_OS,
      /procfs/,
    );
  });

  it.each([
    ['empty', ''],
    ['garbage', 'up 3 days, 4:02\n'],
    ['a negative number', '-5.00 1.00\n'],
    ['a truncated line', '491.46 66'],
  ])('rejects %s output as PARSE_ERROR', (_, stdout) => {
    expectScanError(() => uptimeProbe.parse(ok(stdout)), ScanErrorCode.PARSE_ERROR);
  });

  it('agrees with os.uptime() on this machine', () => {
    const seconds = uptimeProbe.parse(runLocally(uptimeProbe)).uptimeSeconds ?? -1;
    expect(Math.abs(seconds - uptime())).toBeLessThanOrEqual(2);
  });
});
