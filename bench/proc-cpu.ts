/**
 * CPU time of a process tree from /proc (Linux only): for the root and every
 * descendant (processes, not threads), utime + stime + cutime + cstime. A
 * child that exits and is reaped moves its time into its parent's c-fields,
 * so the sum over a tree is steady across exits (sshd's per-login children,
 * PostgreSQL's backends).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

interface Stat {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

function readStats(): Map<number, Stat> {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    const num = (field: number) => Number(fields[field - 3]);
    stats.set(Number(name), { ppid: num(4), ticks: num(14) + num(15) + num(16) + num(17) });
  }
  return stats;
}

/** CPU ms used so far by each tree rooted at `roots` (a missing root counts 0). */
export function treeCpuMs(roots: Record<string, number>): Record<string, number> {
  const stats = readStats();
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: Record<string, number> = {};
  for (const [label, root] of Object.entries(roots)) {
    let ticks = 0;
    const todo = [root];
    while (todo.length) {
      const pid = todo.pop()!;
      const s = stats.get(pid);
      if (!s) continue;
      ticks += s.ticks;
      todo.push(...(children.get(pid) ?? []));
    }
    out[label] = (ticks * 1000) / clockTicks();
  }
  return out;
}

/** The difference of two treeCpuMs readings, per label. */
export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

/** Resident set size of one process in MiB, from /proc/PID/status (VmRSS); NaN when gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The parent of a process on this machine, or null when it is not here (a remote database's backend). */
export function parentPid(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
