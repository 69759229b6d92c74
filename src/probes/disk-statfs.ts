import type { DiskInfo } from '../domain/result';
import { decodeMountEscapes, isRemoteSource, keepFilesystem } from './disk-types';

/** Seconds each filesystem gets to answer statfs() before it is reported unreachable. */
export const STATFS_TIMEOUT_S = 2;

/** Exit statuses of a command killed by `timeout -s KILL` (GNU: 137; 124 for TERM). */
const TIMED_OUT = new Set([124, 137, 143]);

/**
 * `F <exit> <maj:min> <type> <source> <root> <mount> [<blocks> <bfree> <bavail> <frsize>]`:
 * the escaped mountinfo fields (proc(5), Linux 2.6.26+) and what `stat -f -c
 * '%b %f %a %S'` (GNU coreutils, BusyBox) printed for the mount.
 */
const RECORD = /^F (\d+) (\S+) (\S+) (\S+) (\S+) (\S+)(?: (\d+) (\d+) (\d+) (\d+))?\s*$/;

interface Row {
  dev: string;
  root: string;
  disk: DiskInfo;
}

/** A product of host counts as exact bytes; null when it is beyond 2^53. */
function bytes(count: bigint, unit: bigint): number | null {
  const value = count * unit;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/** df's Capacity: used over what non-root can have, rounded up (GNU df.c). */
function usePercent(used: bigint, avail: bigint): number | null {
  const whole = used + avail;
  if (whole === 0n) return null;
  return Number((used * 100n + whole - 1n) / whole);
}

function statfsRow(m: RegExpExecArray): DiskInfo | 'skip' {
  const [, code = '', , type = '', src = '', , mnt = '', b, f, a, s] = m;
  const mount = decodeMountEscapes(mnt);
  const filesystem = decodeMountEscapes(src);
  if (!keepFilesystem(type, mount) || isRemoteSource(filesystem)) return 'skip';
  const exit = Number(code);
  if (exit !== 0 || b === undefined || f === undefined || a === undefined || s === undefined) {
    const error =
      exit === 0
        ? 'statfs printed no sizes'
        : TIMED_OUT.has(exit)
          ? `no answer to statfs within ${STATFS_TIMEOUT_S} s`
          : `statfs failed (exit ${exit})`;
    return {
      mount,
      filesystem,
      sizeBytes: null,
      usedBytes: null,
      availableBytes: null,
      usePercent: null,
      error,
    };
  }
  const [blocks, free, avail, unit] = [b, f, a, s].map(BigInt) as [bigint, bigint, bigint, bigint];
  // No blocks at all: a pseudo filesystem the type list does not know.
  if (blocks === 0n) return 'skip';
  const used = blocks > free ? blocks - free : 0n;
  return {
    mount,
    filesystem,
    sizeBytes: bytes(blocks, unit),
    usedBytes: bytes(used, unit),
    availableBytes: bytes(avail, unit),
    usePercent: usePercent(used, avail),
    error: null,
  };
}

/**
 * The disks of the mountinfo branch. One row per mount point (a later mount
 * over the same path wins, as the kernel resolves the path to it) and one per
 * device (bind mounts of a filesystem repeat it: the mount of its root wins,
 * else the first). A line that is not a record is a parse error; a record's
 * own trouble (a hung or failing filesystem, sizes beyond 2^53) stays on its row.
 */
export function parseStatfsRecords(
  lines: readonly string[],
  fail: (message: string) => Error,
): DiskInfo[] {
  const byMount = new Map<string, Row>();
  for (const line of lines) {
    const m = RECORD.exec(line);
    if (!m) throw fail(`unexpected statfs record "${line.slice(0, 80)}"`);
    const disk = statfsRow(m);
    if (disk === 'skip') continue;
    byMount.delete(disk.mount);
    byMount.set(disk.mount, { dev: m[2] ?? '', root: m[5] ?? '', disk });
  }
  const byDev = new Map<string, Row>();
  for (const row of byMount.values()) {
    const seen = byDev.get(row.dev);
    if (!seen || (seen.root !== '/' && row.root === '/')) byDev.set(row.dev, row);
  }
  const chosen = new Set(byDev.values());
  return [...byMount.values()].filter((row) => chosen.has(row)).map((row) => row.disk);
}
