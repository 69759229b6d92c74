import type { DiskInfo } from '../domain/result';
import { kibToBytes, outputLines, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'disk';

/**
 * Filesystem types left out of a scan: kernel pseudo filesystems, memory-backed
 * ones (tmpfs, ramfs) and read-only images (squashfs: snaps, live media). They
 * say nothing about a host's storage and swamp the list on container hosts.
 * overlay is kept only as `/`, where it is the root of a container.
 */
const SKIPPED_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);
const ROOT_ONLY_TYPES = new Set(['overlay', 'aufs']);

/**
 * Network filesystems BusyBox df must never be asked about: a dead server
 * makes statfs() block until the remote `timeout` kills the whole probe.
 * Mirrors what GNU `df -l` treats as remote (gnulib ME_REMOTE: a `host:`
 * or `//` source, or one of these types), plus autofs, whose statfs would
 * trigger a mount.
 */
const REMOTE_CASE =
  'nfs|nfs4|cifs|smb3|smbfs|ncpfs|afs|auristorfs|coda|acfs|ceph|glusterfs|fuse.glusterfs|' +
  'lustre|gpfs|fhgfs|ibrix|vxfs|ocfs2|gfs2|9p|davfs|fuse.sshfs|fuse.s3fs|fuse.rclone|autofs|' +
  'proc|sysfs|cgroup|cgroup2|devpts|mqueue|debugfs|tracefs|securityfs|pstore|bpf|configfs|' +
  'fusectl|binfmt_misc|rpc_pipefs|nsfs|hugetlbfs|efivarfs|selinuxfs';

/**
 * GNU df: -l skips remote filesystems itself. BusyBox df has no -l (it
 * rejects the option), so the script names the local mount points from
 * /proc/mounts, decoding the octal escapes (\040 is a space) that file uses.
 * -T adds the type column, which is how the parser tells tmpfs from a disk
 * (the source column says "udev" or "none" as often as "tmpfs").
 */
const COMMAND = [
  'if df -P -k -l -T / >/dev/null 2>&1; then',
  '  echo "@@df local"',
  '  df -P -k -l -T',
  'else',
  '  echo "@@df mounts"',
  '  [ -r /proc/mounts ] || echo "@@no-mount-table"',
  '  set --',
  '  while read -r dev mnt type rest; do',
  '    case $dev in *:*|//*) continue ;; esac',
  `    case $type in ${REMOTE_CASE}) continue ;; esac`,
  "    case $mnt in *\\\\*) mnt=$(printf '%s\\n' \"$mnt\" | sed 's/\\\\040/ /g; s/\\\\011/\t/g; s/\\\\012/ /g; s/\\\\134/\\\\/g') ;; esac",
  '    set -- "$@" "$mnt"',
  '  done </proc/mounts',
  '  if [ $# -gt 0 ]; then df -P -k -T "$@"; fi',
  'fi',
].join('\n');

/**
 * One `df -P -T` line: source, type, 1024-blocks, used, available, capacity,
 * mount. The mount point is the rest of the line and may hold spaces; the
 * source is matched lazily so a FUSE source with spaces still parses.
 */
const LINE = /^(\S.*?)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*)$/;

function keep(type: string, mount: string): boolean {
  if (SKIPPED_TYPES.has(type)) return false;
  if (ROOT_ONLY_TYPES.has(type)) return mount === '/';
  return true;
}

export const diskProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const found = sections(outputLines(NAME, output, { complete: true }));
    if (found.some((s) => s.name === 'no-mount-table')) {
      throw unsupportedOs(
        NAME,
        'df cannot read the mount table and /proc/mounts is missing',
        output,
      );
    }
    const df = found.find((s) => s.name === 'df');
    if (!df) throw unusable(NAME, 'no df output marker', output);
    const byMount = new Map<string, DiskInfo>();
    let parsed = 0;
    for (const line of df.lines) {
      if (/^Filesystem\s/.test(line)) continue;
      const m = LINE.exec(line);
      if (!m) throw unusable(NAME, `unexpected df line "${line.slice(0, 80)}"`, output);
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
      const sizeBytes = kibToBytes(blocks);
      const usedBytes = kibToBytes(used);
      const availableBytes = kibToBytes(avail);
      if (sizeBytes === null || usedBytes === null || availableBytes === null) {
        throw unusable(NAME, `sizes out of range in "${line.slice(0, 80)}"`, output);
      }
      // Capacity "-" and size 0 both mean a filesystem without blocks: nothing to report.
      if (capacity === '-' || sizeBytes === 0 || !keep(type, mount)) continue;
      // Later lines win: with BusyBox, a mount point mounted over is listed twice.
      byMount.delete(mount);
      byMount.set(mount, {
        mount,
        filesystem,
        sizeBytes,
        usedBytes,
        availableBytes,
        usePercent: Number(capacity.slice(0, -1)),
      });
    }
    if (parsed === 0 && output.exitCode !== 0)
      throw unusable(NAME, 'df printed no filesystems', output);
    return { disks: [...byMount.values()] };
  },
};
