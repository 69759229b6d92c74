import type { DiskInfo } from '../domain/result';
import { parseDfLines } from './disk-df';
import { parseStatfsRecords, STATFS_TIMEOUT_S } from './disk-statfs';
import { REMOTE_TYPES, ROOT_ONLY_TYPES, SKIPPED_TYPES } from './disk-types';
import { outputLines, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'disk';

const NEVER_ASKED = [...SKIPPED_TYPES, ...REMOTE_TYPES].join('|');
const ROOT_ONLY = ROOT_ONLY_TYPES.join('|');

/**
 * Preferred: /proc/self/mountinfo lists the mounts without touching them, and
 * each local one is asked on its own (`stat -f`, under `timeout -s KILL`), so
 * a hung filesystem (a FUSE daemon that stopped, a dead NFS server) costs
 * its own few seconds and is reported, while the rest are listed. Each record
 * is `F <exit> <maj:min> <type> <source> <root> <mount> [<blocks> <free>
 * <avail> <frsize>]`, the names still in the kernel's octal escapes (no
 * whitespace), decoded by the parser. The shell decodes the mount point only
 * to stat it: `\NNN` becomes `\0NNN` for printf %b, and the `x` keeps a
 * trailing newline from being eaten by $(...). Records are printed with
 * printf %s: dash's echo would undo the escapes. The shell's "Killed" notice
 * for a timed-out stat is silenced with the group's stderr. Records are printed with
 * printf %s: dash's echo would undo the escapes. The shell's "Killed" notice
 * for a timed-out stat is silenced with the group's stderr.
 *
 * Fallbacks, for hosts without mountinfo or without `stat -f -c`: GNU
 * `df -l`, then BusyBox df over the local mounts of /proc/mounts (BusyBox df
 * has no -l). BusyBox before 1.30 spells the timeout `timeout -t SECS`.
 */
const COMMAND = [
  "if [ -r /proc/self/mountinfo ] && stat -f -c '%b %f %a %S' / >/dev/null 2>&1; then",
  '  echo "@@statfs mountinfo"',
  `  if timeout -s KILL ${STATFS_TIMEOUT_S} true >/dev/null 2>&1; then t="timeout -s KILL ${STATFS_TIMEOUT_S}"`,
  `  elif timeout -t ${STATFS_TIMEOUT_S} -s KILL true >/dev/null 2>&1; then t="timeout -t ${STATFS_TIMEOUT_S} -s KILL"`,
  '  else t=; echo "@@no-timeout"; fi',
  '  while read -r _ _ dev root mnt _ rest; do',
  '    rest=${rest#*- }; type=${rest%% *}; rest=${rest#* }; src=${rest%% *}',
  '    case $src in *:*|//*) continue ;; esac',
  `    case $type in ${NEVER_ASKED}) continue ;; esac`,
  `    case $type in ${ROOT_ONLY}) [ "$mnt" = / ] || continue ;; esac`,
  '    m=$mnt',
  "    case $m in *\\\\*) m=$(printf '%bx' \"$(printf '%s' \"$mnt\" | sed 's/\\\\/\\\\0/g')\"); m=${m%x} ;; esac",
  '    { s=$($t stat -f -c \'%b %f %a %S\' -- "$m" 2>/dev/null); } 2>/dev/null',
  '    printf \'F %s %s %s %s %s %s %s\\n\' $? "$dev" "$type" "$src" "$root" "$mnt" "$s"',
  '  done </proc/self/mountinfo',
  'elif df -P -k -l -T / >/dev/null 2>&1; then',
  '  echo "@@df local"',
  '  df -P -k -l -T',
  'else',
  '  echo "@@df mounts"',
  '  [ -r /proc/mounts ] || echo "@@no-mount-table"',
  '  set --',
  '  while read -r dev mnt type rest; do',
  '    case $dev in *:*|//*) continue ;; esac',
  `    case $type in ${NEVER_ASKED}) continue ;; esac`,
  "    case $mnt in *\\\\*) mnt=$(printf '%s\\n' \"$mnt\" | sed 's/\\\\040/ /g; s/\\\\011/\t/g; s/\\\\012/ /g; s/\\\\134/\\\\/g') ;; esac",
  '    set -- "$@" "$mnt"',
  '  done </proc/mounts',
  '  if [ $# -gt 0 ]; then df -P -k -T "$@"; fi',
  'fi',
].join('\n');

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
    const fail = (message: string) => unusable(NAME, message, output);
    const statfs = found.find((s) => s.name === 'statfs');
    let disks: DiskInfo[];
    if (statfs) {
      disks = parseStatfsRecords(statfs.lines, fail);
    } else {
      const df = found.find((s) => s.name === 'df');
      if (!df) throw fail('no df output marker');
      const { disks: listed, parsed } = parseDfLines(df.lines, fail);
      if (parsed === 0 && output.exitCode !== 0) throw fail('df printed no filesystems');
      disks = listed;
    }
    return { disks };
  },
};
