import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ScanErrorCode } from '../../src/domain/errors';
import type { DiskInfo } from '../../src/domain/result';
import { diskProbe } from '../../src/probes/disk';
import { busyboxShell, expectScanError, fixture, ok, runLocally } from './probes.helpers';

const disks = (system: string): DiskInfo[] => diskProbe.parse(fixture(system, 'disk')).disks ?? [];

describe('disk probe on GNU df (Debian 12)', () => {
  const list = disks('debian-12-bookworm');

  it('reports / in exact bytes with the Capacity column as usePercent', () => {
    expect(list.find((d) => d.mount === '/')).toEqual({
      mount: '/',
      filesystem: '/dev/vda',
      sizeBytes: 264212084 * 1024,
      usedBytes: 23796932 * 1024,
      availableBytes: 82593980 * 1024,
      usePercent: 23,
      error: null,
    });
  });

  it('keeps a mount point with a space in its path whole', () => {
    expect(list.find((d) => d.filesystem === '/dev/loop0')).toEqual({
      mount: '/mnt/with space',
      filesystem: '/dev/loop0',
      sizeBytes: 14073 * 1024,
      usedBytes: 3014 * 1024,
      availableBytes: 9913 * 1024,
      usePercent: 24,
      error: null,
    });
  });

  it('drops tmpfs and devtmpfs, including a tmpfs whose path has a space', () => {
    expect(list.map((d) => d.mount)).toEqual(['/', '/mnt/with space']);
  });
});

describe('disk probe on BusyBox df (no -l)', () => {
  const list = disks('busybox-1.35');

  it('lists the local disks through the /proc/mounts fallback', () => {
    expect(fixture('busybox-1.35', 'disk').stdout).toMatch(/^@@df mounts\n/);
    expect(list.map((d) => [d.mount, d.filesystem])).toEqual([
      ['/', '/dev/vda'],
      ['/mnt/with space', '/dev/loop0'],
    ]);
  });

  it('takes BusyBox’s own rounding of Capacity', () => {
    // GNU rounds the percentage up (23%), BusyBox to nearest (22%), for the same disk.
    expect(list[0]).toMatchObject({
      sizeBytes: 264212084 * 1024,
      usedBytes: 23797020 * 1024,
      usePercent: 22,
      error: null,
    });
  });
});

describe('disk probe in chroots', () => {
  it('keeps overlay when it is the root filesystem, as in a container', () => {
    expect(disks('debian-11-bullseye-overlay-root')).toEqual([
      {
        mount: '/',
        filesystem: 'overlay',
        sizeBytes: 264212084 * 1024,
        usedBytes: 23801312 * 1024,
        availableBytes: 82589600 * 1024,
        usePercent: 23,
        error: null,
      },
    ]);
  });

  it('drops overlay mounted anywhere else', () => {
    const line =
      'overlay overlay 264212084 23801312 82589600 23% /var/lib/docker/overlay2/abc/merged';
    expect(diskProbe.parse(ok(`@@df local\n${line}\n`)).disks).toEqual([]);
  });

  it('reports COMMAND_FAILED with df’s complaint when df lists nothing', () => {
    expectScanError(
      () => disks('debian-11-bullseye-chroot'),
      ScanErrorCode.COMMAND_FAILED,
      /stderr: df: no file systems processed/,
    );
  });

  it('reports UNSUPPORTED_OS when there is no mount table at all', () => {
    expectScanError(
      () => disks('debian-11-bullseye-chroot-no-proc'),
      ScanErrorCode.UNSUPPORTED_OS,
      /\/proc\/mounts/,
    );
  });
});

describe('disk probe on bad output', () => {
  const captured = fixture('debian-12-bookworm', 'disk').stdout;

  it('rejects empty output', () => {
    expectScanError(() => diskProbe.parse(ok('')), ScanErrorCode.PARSE_ERROR, /empty output/);
  });

  it('rejects output cut in the middle of a line', () => {
    const cut = captured.slice(0, captured.indexOf('/mnt/with space') + 6);
    expectScanError(() => diskProbe.parse(ok(cut)), ScanErrorCode.PARSE_ERROR, /truncated/);
  });

  it('rejects a line that is not df -P -T output', () => {
    const human =
      '@@df local\nFilesystem Size Used Avail Use% Mounted on\n/dev/vda 252G 23G 79G 23% /\n';
    expectScanError(
      () => diskProbe.parse(ok(human)),
      ScanErrorCode.PARSE_ERROR,
      /unexpected df line/,
    );
  });

  it('rejects output without the marker', () => {
    expectScanError(
      () => diskProbe.parse(ok(captured.replace('@@df local\n', ''))),
      ScanErrorCode.PARSE_ERROR,
    );
  });
});

describe('disk probe on this machine', () => {
  function expectRootMatchesStatfs(list: DiskInfo[]): void {
    const root = list.find((d) => d.mount === '/');
    const fs = statfsSync('/');
    expect(root?.sizeBytes).toBe(fs.blocks * fs.bsize);
    const avail = fs.bavail * fs.bsize;
    expect(Math.abs((root?.availableBytes ?? 0) - avail)).toBeLessThan(
      avail * 0.01 + 64 * 1024 * 1024,
    );
  }

  it('reports / with the size statfs gives', () => {
    expectRootMatchesStatfs(diskProbe.parse(runLocally(diskProbe)).disks ?? []);
  });

  it('reports / the same way through BusyBox df', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-'));
    try {
      const shell = busyboxShell(join(dir, 'bin'));
      if (!shell) return;
      const output = runLocally(diskProbe, shell);
      // BusyBox has stat -f -c and timeout, so it takes the mountinfo branch too.
      expect(output.stdout).toMatch(/^@@statfs mountinfo\n/);
      expectRootMatchesStatfs(diskProbe.parse(output).disks ?? []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
