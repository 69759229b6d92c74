import type { DiskInfo } from '../domain/result';
import { keepFilesystem } from './disk-types';
import { kibToBytes } from './output';

/**
 * One `df -P -T` line (GNU coreutils df, BusyBox df): source, type,
 * 1024-blocks, used, available, capacity, mount. The mount point is the rest
 * of the line and may hold spaces; the source is matched lazily so a FUSE
 * source with spaces still parses.
 */
const LINE = /^(\S.*?)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*)$/;

/**
 * The filesystems of `df -P -k -T` output, the fallback for hosts without
 * /proc/self/mountinfo or `stat -f -c`. The type filter runs before any range
 * check, and a count beyond 2^53 bytes nulls only that field of its own row
 * (usePercent still comes from df's Capacity column). Later lines win: with
 * BusyBox, a mount point mounted over is listed twice.
 */
export function parseDfLines(
  lines: readonly string[],
  fail: (message: string) => Error,
): { disks: DiskInfo[]; parsed: number } {
  const byMount = new Map<string, DiskInfo>();
  let parsed = 0;
  for (const line of lines) {
    if (/^Filesystem\s/.test(line)) continue;
    const m = LINE.exec(line);
    if (!m) throw fail(`unexpected df line "${line.slice(0, 80)}"`);
    parsed += 1;
    const [
      ,
      filesystem = '',
      type = '',
      blocks = '',
      used = '',
      avail = '',
      capacity = '',
      mount = '',
    ] = m;
    // Capacity "-" and size 0 both mean a filesystem without blocks: nothing to report.
    if (capacity === '-' || /^0+$/.test(blocks) || !keepFilesystem(type, mount)) continue;
    byMount.delete(mount);
    byMount.set(mount, {
      mount,
      filesystem,
      sizeBytes: kibToBytes(blocks),
      usedBytes: kibToBytes(used),
      availableBytes: kibToBytes(avail),
      usePercent: Number(capacity.slice(0, -1)),
      error: null,
    });
  }
  return { disks: [...byMount.values()], parsed };
}
