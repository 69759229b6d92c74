import { totalmem } from 'node:os';

import { ScanErrorCode } from '../../src/domain/errors';
import { memoryProbe } from '../../src/probes/memory';
import { expectScanError, fixture, ok, procValue, runLocally } from './probes.helpers';

describe('memory probe', () => {
  it('turns the Debian 12 meminfo into exact bytes', () => {
    // MemTotal 24684092 kB, MemFree 23407580 kB, MemAvailable 23916552 kB, no swap.
    expect(memoryProbe.parse(fixture('debian-12-bookworm', 'memory')).memory).toEqual({
      totalBytes: 24684092 * 1024,
      availableBytes: 23916552 * 1024,
      freeBytes: 23407580 * 1024,
      usedBytes: (24684092 - 23916552) * 1024,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
  });

  it('reads the BusyBox capture the same way', () => {
    expect(memoryProbe.parse(fixture('busybox-1.35', 'memory')).memory).toMatchObject({
      totalBytes: 25276510208,
      availableBytes: 23876492 * 1024,
    });
  });

  it('estimates available memory from MemFree+Buffers+Cached when MemAvailable is missing (pre-3.14 kernels)', () => {
    const captured = fixture('debian-11-bullseye-chroot', 'memory').stdout;
    const old = captured.replace(/^MemAvailable:.*\n/m, '');
    // MemFree 23237072 + Buffers 15540 + Cached 700020 kB in that capture.
    const available = (23237072 + 15540 + 700020) * 1024;
    expect(memoryProbe.parse(ok(old)).memory).toMatchObject({
      availableBytes: available,
      usedBytes: 24684092 * 1024 - available,
    });
  });

  it('computes swap used from SwapTotal and SwapFree', () => {
    const memory = memoryProbe.parse(
      ok(
        'MemTotal: 2000 kB\nMemFree: 500 kB\nMemAvailable: 1500 kB\nSwapTotal: 1024 kB\nSwapFree: 256 kB\n',
      ),
    ).memory;
    expect(memory).toMatchObject({
      swapTotalBytes: 1024 * 1024,
      swapUsedBytes: 768 * 1024,
      usedBytes: 500 * 1024,
    });
  });

  it('reports UNSUPPORTED_OS without /proc', () => {
    expectScanError(
      () => memoryProbe.parse(fixture('debian-11-bullseye-chroot-no-proc', 'memory')),
      ScanErrorCode.UNSUPPORTED_OS,
    );
  });

  it('rejects empty, truncated and foreign output', () => {
    const captured = fixture('debian-12-bookworm', 'memory').stdout;
    expectScanError(() => memoryProbe.parse(ok('')), ScanErrorCode.PARSE_ERROR);
    expectScanError(
      () => memoryProbe.parse(ok(captured.slice(0, 20))),
      ScanErrorCode.PARSE_ERROR,
      /truncated/,
    );
    expectScanError(
      () => memoryProbe.parse(ok('              total        used\nMem:     24105    750\n')),
      ScanErrorCode.PARSE_ERROR,
      /MemTotal/,
    );
  });

  it('matches os.totalmem() and /proc/meminfo on this machine', () => {
    const memory = memoryProbe.parse(runLocally(memoryProbe)).memory;
    expect(memory?.totalBytes).toBe(totalmem());
    expect(memory?.swapTotalBytes).toBe((procValue('/proc/meminfo', 'SwapTotal') ?? -1) * 1024);
  });
});
