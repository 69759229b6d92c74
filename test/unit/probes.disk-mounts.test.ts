import { spawnSync } from 'node:child_process';

import type { DiskInfo } from '../../src/domain/result';
import { diskProbe } from '../../src/probes/disk';
import { decodeMountEscapes } from '../../src/probes/disk-types';
import { fixture, ok } from './probes.helpers';

/*
 * Captured in a private mount namespace (test/fixtures/README.md): a tmpfs
 * of size=16P (2^54 bytes) and a bindfs mirror of it, a loop ext4 at a path
 * with a space and bind-mounted again at one with a tab, bindfs mounts at
 * paths with a newline, a backslash and `disk 1 2 3 4% /x`, and, in the
 * hung-fuse captures, a bindfs whose daemon was stopped with SIGSTOP.
 */
const disks = (system: string): DiskInfo[] => diskProbe.parse(fixture(system, 'disk')).disks ?? [];
const M = '/var/tmp/hsfix/m';
const byMount = (list: DiskInfo[], mount: string) => list.find((d) => d.mount === mount);

describe.each(['debian-12-bookworm-mounts', 'busybox-1.35-mounts'])(
  'disk probe on %s',
  (system) => {
    const list = disks(system);

    it('keeps a filesystem over 2^53 bytes on its own row, byte counts null', () => {
      expect(byMount(list, `${M}/big-mirror`)).toEqual({
        mount: `${M}/big-mirror`,
        filesystem: `${M}/big`,
        sizeBytes: null,
        usedBytes: 0,
        availableBytes: null,
        usePercent: 0,
        error: null,
      });
    });

    it('lists the other filesystems next to it, tmpfs still left out', () => {
      expect(byMount(list, '/')?.sizeBytes).toBe(66053021 * 4096);
      expect(list.some((d) => d.mount === `${M}/big`)).toBe(false);
    });

    it('decodes the mount table escapes: newline, backslash, spaces with digits and %', () => {
      const mounts = list.map((d) => d.mount);
      expect(mounts).toContain(`${M}/new\nline`);
      expect(mounts).toContain(`${M}/back\\slash`);
      expect(mounts).toContain(`${M}/disk 1 2 3 4% /x`);
      expect(byMount(list, `${M}/disk 1 2 3 4% /x`)?.filesystem).toBe(`${M}/src`);
    });

    it('lists a filesystem bound twice once, under its first mount point', () => {
      expect(byMount(list, `${M}/with space`)).toMatchObject({
        filesystem: '/dev/loop0',
        sizeBytes: 14073 * 1024,
        usedBytes: 14 * 1024,
        availableBytes: 12913 * 1024,
        usePercent: 1,
      });
      expect(byMount(list, `${M}/tab\there`)).toBeUndefined();
    });
  },
);

describe.each(['debian-12-bookworm-hung-fuse', 'busybox-1.35-hung-fuse'])(
  'disk probe on %s',
  (system) => {
    const list = disks(system);

    it('reports the hung FUSE mount as unreachable and still lists the rest', () => {
      expect(byMount(list, `${M}/hung`)).toEqual({
        mount: `${M}/hung`,
        filesystem: `${M}/src`,
        sizeBytes: null,
        usedBytes: null,
        availableBytes: null,
        usePercent: null,
        error: 'no answer to statfs within 2 s',
      });
      expect(list.filter((d) => d.error === null).map((d) => d.mount)).toEqual([
        '/',
        `${M}/big-mirror`,
        `${M}/with space`,
        `${M}/new\nline`,
        `${M}/back\\slash`,
        `${M}/disk 1 2 3 4% /x`,
      ]);
    });
  },
);

describe('disk probe through GNU df -l (a host without stat in PATH)', () => {
  const list = disks('debian-12-bookworm-mounts-no-stat');

  it('keeps the oversized row with usePercent from df’s Capacity column', () => {
    expect(fixture('debian-12-bookworm-mounts-no-stat', 'disk').stdout).toMatch(/^@@df local\n/);
    expect(byMount(list, `${M}/big-mirror`)).toEqual({
      mount: `${M}/big-mirror`,
      filesystem: `${M}/big`,
      sizeBytes: null,
      usedBytes: 0,
      availableBytes: null,
      usePercent: 0,
      error: null,
    });
  });

  it('reads a mount point with "1 2 3 4% /x" in it whole', () => {
    expect(byMount(list, `${M}/disk 1 2 3 4% /x`)).toMatchObject({
      filesystem: `${M}/src`,
      sizeBytes: 264212084 * 1024,
    });
  });

  it('gets df’s "?" for a control character: only mountinfo has the real name', () => {
    expect(list.map((d) => d.mount)).toContain(`${M}/new?line`);
  });
});

describe('disk records', () => {
  it('decodes each octal escape the kernel uses', () => {
    expect(decodeMountEscapes('a\\040b\\011c\\012d\\134e')).toBe('a b\tc\nd\\e');
  });

  it('reports a statfs failure other than a timeout with its exit status', () => {
    const out = ok('@@statfs mountinfo\nF 1 0:50 fuse src / /mnt/x \n');
    expect(diskProbe.parse(out).disks?.[0]?.error).toBe('statfs failed (exit 1)');
  });

  it('skips remote sources and types the shell let through', () => {
    const out = ok(
      '@@statfs mountinfo\nF 0 0:51 nfs4 srv:/e / /mnt/n 10 5 5 4096\nF 0 0:52 fuse //h/s / /mnt/s 10 5 5 4096\n',
    );
    expect(diskProbe.parse(out).disks).toEqual([]);
  });
});

const root = process.getuid?.() === 0;
const tools = ['unshare', 'bindfs', 'timeout'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);

// Needs root (mount namespaces, FUSE) and bindfs: skipped, and listed as skipped, without.
const onThisMachine = root && tools ? describe : describe.skip;

onThisMachine('disk probe with a hung FUSE mount on this machine (root, bindfs)', () => {
  it('lists the healthy filesystems within the normal time, the hung one unreachable', () => {
    // All in a private mount namespace: the mounts vanish with it.
    const setup = [
      'set -e; d=$(mktemp -d); mkdir "$d/src" "$d/hung"',
      'bindfs -f "$d/src" "$d/hung" & p=$!; sleep 1; kill -STOP $p',
      'echo "@@dir $d"; env LC_ALL=C sh -c "$1" </dev/null; r=$?',
      'kill -CONT $p; fusermount -u "$d/hung"; wait; rm -r "$d"; exit $r',
    ].join('\n');
    const started = Date.now();
    const run = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', setup, 'sh', diskProbe.command],
      { encoding: 'utf8', timeout: 20_000 },
    );
    const elapsed = Date.now() - started;
    const dir = /^@@dir (.*)$/m.exec(run.stdout)?.[1] ?? '';
    const list = diskProbe.parse({ ...run, exitCode: run.status }).disks ?? [];
    expect(byMount(list, `${dir}/hung`)?.error).toBe('no answer to statfs within 2 s');
    expect(byMount(list, '/')?.sizeBytes).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(8_000);
  });
});
