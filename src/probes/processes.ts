import type { ProcessInfo } from '../domain/result';
import type { Section } from './output';
import { kibToBytes, outputLines, parseError, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'processes';
export const TOP_PROCESSES = 25;

/**
 * procps ps sorts and computes %CPU/%MEM itself; `-p $$` tests those options
 * cheaply first. BusyBox ps knows neither pcpu/pmem nor --sort, so the other
 * branch reads /proc: status (effective uid, VmRSS) and stat (CPU ticks,
 * start time) for every process, keeps the 25 largest, and only for those
 * pays a `tr` to read the NUL-separated cmdline. The parser then computes
 * %CPU the way procps does: CPU time over lifetime.
 */
const COMMAND = [
  'if ps -o pid=,user:32=,rss=,pcpu=,pmem=,args= --sort=-rss -p $$ >/dev/null 2>&1; then',
  '  echo "@@ps procps"',
  `  ps -eo pid=,user:32=,rss=,pcpu=,pmem=,args= --sort=-rss | head -n ${TOP_PROCESSES}`,
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
  `    echo "C $pid $(tr '\\0\\n' '  ' 2>/dev/null <"/proc/$pid/cmdline")"`,
  '  done',
  'fi',
].join('\n');

/** USER_HZ is 100 on every mainstream Linux ABI; getconf is absent on BusyBox. */
const DEFAULT_HZ = 100;

const round1 = (n: number): number => Math.round(n * 10) / 10;

function byRssDesc(a: ProcessInfo, b: ProcessInfo): number {
  return b.rssBytes - a.rssBytes || a.pid - b.pid;
}

const PROCPS_LINE = /^\s*(\d+)\s+(\S+)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(.*)$/;

function fromProcps(lines: readonly string[], fail: (m: string) => Error): ProcessInfo[] {
  return lines.map((line) => {
    const m = PROCPS_LINE.exec(line);
    const rssBytes = m?.[3] === undefined ? null : kibToBytes(m[3]);
    if (!m || rssBytes === null) throw fail(`unexpected ps line "${line.slice(0, 80)}"`);
    return {
      pid: Number(m[1]),
      user: m[2] ?? '',
      command: (m[6] ?? '').trimEnd(),
      cpuPercent: Number(m[4]),
      memPercent: Number(m[5]),
      rssBytes,
    };
  });
}

interface ProcContext {
  hz: number;
  uptime: number;
  memTotalKib: number | null;
  users: Map<string, string>;
}

/**
 * `S pid uid rssKiB <stat line>` then `C pid <cmdline>`. In the stat line the
 * comm field is parenthesised and may hold spaces or parentheses itself, so
 * fields are counted from the last `)`.
 */
function fromProc(procs: Section, ctx: ProcContext, fail: (m: string) => Error): ProcessInfo[] {
  const commands = new Map<string, string>();
  for (const line of procs.lines) {
    const m = /^C (\d+) ?(.*)$/.exec(line);
    if (m?.[1]) commands.set(m[1], (m[2] ?? '').trim());
  }
  const out: ProcessInfo[] = [];
  for (const line of procs.lines) {
    if (line.startsWith('C ')) continue;
    const m = /^S (\d+) (\d*) (\d+) (.*)$/.exec(line);
    const stat = m?.[4] ?? '';
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const fields = stat
      .slice(close + 1)
      .trim()
      .split(/\s+/);
    const [utime, stime, start] = [fields[11], fields[12], fields[19]].map(Number);
    const rssKib = m?.[3];
    const rssBytes = rssKib === undefined ? null : kibToBytes(rssKib);
    if (
      !m?.[1] ||
      open < 0 ||
      close < open ||
      rssBytes === null ||
      rssKib === undefined ||
      utime === undefined ||
      stime === undefined ||
      start === undefined ||
      [utime, stime, start].some((n) => !Number.isFinite(n))
    ) {
      throw fail(`unexpected /proc line "${line.slice(0, 80)}"`);
    }
    const uid = m[2] ?? '';
    const lifetime = ctx.uptime - start / ctx.hz;
    out.push({
      pid: Number(m[1]),
      user: ctx.users.get(uid) ?? uid,
      command: commands.get(m[1]) || `[${stat.slice(open + 1, close)}]`,
      cpuPercent: lifetime > 0 ? round1(((utime + stime) / ctx.hz / lifetime) * 100) : 0,
      memPercent: ctx.memTotalKib ? round1((Number(rssKib) / ctx.memTotalKib) * 100) : 0,
      rssBytes,
    });
  }
  return out;
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
    if (ps?.arg === 'procps') {
      processes = fromProcps(ps.lines, fail);
    } else if (ps?.arg === 'proc') {
      const procs = get('procs');
      const uptime = Number(get('uptime')?.arg);
      if (!procs || !Number.isFinite(uptime))
        throw unusable(NAME, '/proc listing incomplete', output);
      const hz = Number(get('hz')?.arg) || DEFAULT_HZ;
      const memTotalKib = Number(get('memtotal')?.arg) || null;
      const users = new Map<string, string>();
      for (const line of get('passwd')?.lines ?? []) {
        const [uid, name] = line.trim().split(/\s+/);
        if (uid !== undefined && name !== undefined && !users.has(uid)) users.set(uid, name);
      }
      processes = fromProc(procs, { hz, uptime, memTotalKib, users }, fail);
    } else {
      throw unusable(NAME, 'no ps output marker', output);
    }
    if (processes.length === 0) throw unusable(NAME, 'no processes listed', output);
    return { processes: processes.sort(byRssDesc).slice(0, TOP_PROCESSES) };
  },
};
