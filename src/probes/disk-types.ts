/**
 * Which filesystems a disk scan lists. Shared by the probe script (which skips
 * them before asking the kernel anything) and the parsers (which skip them in
 * df output, for hosts where the script fell back to df).
 */

/**
 * Kernel pseudo filesystems, memory-backed ones (tmpfs, ramfs) and read-only
 * images (squashfs: snaps, live media). They say nothing about a host's
 * storage and swamp the list on container hosts.
 */
export const SKIPPED_TYPES: readonly string[] = [
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
];

/** overlay and aufs are kept only as `/`, where they are the root of a container. */
export const ROOT_ONLY_TYPES: readonly string[] = ['overlay', 'aufs'];

/**
 * Network filesystems, never asked about: a dead server makes statfs()
 * block. Mirrors what GNU `df -l` treats as remote (gnulib ME_REMOTE: a
 * `host:` or `//` source, or one of these types).
 */
export const REMOTE_TYPES: readonly string[] = [
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ncpfs',
  'afs',
  'auristorfs',
  'coda',
  'acfs',
  'ceph',
  'glusterfs',
  'fuse.glusterfs',
  'lustre',
  'gpfs',
  'fhgfs',
  'ibrix',
  'vxfs',
  'ocfs2',
  'gfs2',
  '9p',
  'davfs',
  'fuse.sshfs',
  'fuse.s3fs',
  'fuse.rclone',
];

const skipped = new Set([...SKIPPED_TYPES, ...REMOTE_TYPES]);
const rootOnly = new Set(ROOT_ONLY_TYPES);

/** Whether a filesystem of this type mounted here belongs in the disk list. */
export function keepFilesystem(type: string, mount: string): boolean {
  if (skipped.has(type)) return false;
  if (rootOnly.has(type)) return mount === '/';
  return true;
}

/** A source naming a remote host (`server:/export`, `//server/share`), as gnulib's ME_REMOTE. */
export function isRemoteSource(source: string): boolean {
  return source.includes(':') || source.startsWith('//');
}

/**
 * Undoes the octal escapes the kernel writes into /proc/self/mountinfo and
 * /proc/mounts (seq_file `mangle`: `\040` space, `\011` tab, `\012` newline,
 * `\134` backslash), giving the path as the kernel has it.
 */
export function decodeMountEscapes(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
