import type { ProcessInfo } from '../domain/result';
import { outputLines, parseError, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';
import {
  CMDLINE_MAX_BYTES,
  fromOldProcps,
  fromProc,
  fromProcps,
  usersByUid,
} from './processes-parse';

const NAME = 'processes';
export const TOP_PROCESSES = 25;

/**
 * The command line as bytes, hex-dumped (od is POSIX and in BusyBox), so
 * non-ASCII arguments, newlines and spaces inside them come through exactly:
 * `ps args` under LC_ALL=C turns every non-ASCII byte into `?`. Reads one
 * byte more than kept, to tell a longer line from one of exactly the cap.
 * A kernel thread has an empty cmdline: then its comm, which ps shows in [].
 */
const CMDLINE_FN = [
  'cmd() {',
  `  c=$(od -An -v -tx1 -N ${CMDLINE_MAX_BYTES + 1} "/proc/$1/cmdline" 2>/dev/null)`,
  '  if [ -n "$c" ]; then echo "X $1" $c',
  '  else echo "K $1" $(od -An -v -tx1 -N 64 "/proc/$1/comm" 2>/dev/null); fi',
  '}',
];

/**
 * procps ps sorts and computes %CPU/%MEM itself; `-p $$` tests those options
 * cheaply first. It gives the uid (numbers, no width to overflow) and, last,
 * the user name as NSS resolves it, for uids /etc/passwd does not hold (LDAP,
 * SSSD); user names from /etc/passwd are preferred, as ps cuts or replaces
 * long and non-ASCII ones. BusyBox ps knows neither pcpu/pmem nor --sort, so
 * the other branch reads /proc: status (effective uid, VmRSS) and stat (CPU
 * ticks, start time) for every process and keeps the 25 largest. The parser
 * then computes %CPU the way procps does: CPU time over lifetime.
 */
const COMMAND = [
  ...CMDLINE_FN,
  'if ps -o pid=,uid=,rss=,pcpu=,pmem=,user:64= --sort=-rss -p $$ >/dev/null 2>&1; then',
  '  echo "@@ps procps"',
  '  echo "@@passwd"',
  '  while IFS=: read -r n _ u _; do echo "$u $n"; done 2>/dev/null </etc/passwd',
  '  echo "@@procs"',
  `  ps -eo pid=,uid=,rss=,pcpu=,pmem=,user:64= --sort=-rss | head -n ${TOP_PROCESSES} | while read -r pid uid rss cpu mem user; do`,
  '    echo "P $pid $uid $rss $cpu $mem $user"',
  '    cmd "$pid"',
  '  done',
  'else',
  '  echo "@@ps proc"',
  '  [ -r /proc/uptime ] || echo "@@no-proc"',
  '  hz=$(getconf CLK_TCK 2>/dev/null) || hz=',
  '  echo "@@hz $hz"',
  '  read -r up _ 2>/dev/null </proc/uptime && echo "@@uptime $up"',
  '  while read -r k v _; do [ "$k" = MemTotal: ] && echo "@@memtotal $v" && break; done 2>/dev/null </proc/meminfo',
  '  echo "@@passwd"',
  '  while IFS=: read -r n _ u _; do echo "$u $n"; done 2>/dev/null </etc/passwd',
  '  echo "@@procs"',
  '  for d in /proc/[0-9]*; do',
  '    rss=0; uid=',
  '    while read -r k a b _; do case $k in Uid:) uid=$b ;; VmRSS:) rss=$a ;; esac; done 2>/dev/null <"$d/status" || continue',
  '    read -r st 2>/dev/null <"$d/stat" || continue',
  '    echo "$rss ${d#/proc/} $uid $st"',
  `  done | sort -rn | head -n ${TOP_PROCESSES} | while read -r rss pid uid st; do`,
  '    echo "S $pid $uid $rss $st"',
  '    cmd "$pid"',
  '  done',
  'fi',
].join('\n');

/** USER_HZ is 100 on every mainstream Linux ABI; getconf is absent on BusyBox. */
const DEFAULT_HZ = 100;

function byRssDesc(a: ProcessInfo, b: ProcessInfo): number {
  return b.rssBytes - a.rssBytes || a.pid - b.pid;
}

export const processesProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const found = sections(outputLines(NAME, output, { complete: true }));
    const get = (name: string) => found.find((s) => s.name === name);
    const fail = (message: string) => parseError(NAME, message, output);
    if (get('no-proc')) throw unsupportedOs(NAME, '/proc is not mounted', output);
    const ps = get('ps');
    let processes: ProcessInfo[];
    const users = usersByUid(get('passwd')?.lines ?? []);
    if (ps?.arg === 'procps') {
      const procs = get('procs');
      processes = procs ? fromProcps(procs, users, fail) : fromOldProcps(ps.lines, fail);
    } else if (ps?.arg === 'proc') {
      const procs = get('procs');
      const uptime = Number(get('uptime')?.arg);
      if (!procs || !Number.isFinite(uptime))
        throw unusable(NAME, '/proc listing incomplete', output);
      const hz = Number(get('hz')?.arg) || DEFAULT_HZ;
      const memTotalKib = Number(get('memtotal')?.arg) || null;
      processes = fromProc(procs, { hz, uptime, memTotalKib, users }, fail);
    } else {
      throw unusable(NAME, 'no ps output marker', output);
    }
    if (processes.length === 0) throw unusable(NAME, 'no processes listed', output);
    return { processes: processes.sort(byRssDesc).slice(0, TOP_PROCESSES) };
  },
};
