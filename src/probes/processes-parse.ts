import type { ProcessInfo } from '../domain/result';
import { decodeUtf8 } from '../util/utf8';
import { bytesFromHex, commandFromCmdline } from './bytes';
import type { Section } from './output';
import { kibToBytes } from './output';

type Fail = (message: string) => Error;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Bytes of /proc/PID/cmdline kept per process (the probe reads one more); `ps args` stops near it. */
export const CMDLINE_MAX_BYTES = 4096;

/**
 * Commands by pid, from `X pid <hex of /proc/PID/cmdline>` and `K pid <hex
 * of /proc/PID/comm>` records (kernel threads, shown as `[comm]` as ps does).
 * `C pid <text>` is the form probes before the hex dump printed (cmdline
 * through `tr`, non-ASCII lost): still read, for captures made with it.
 */
export function commandsByPid(lines: readonly string[]): Map<string, string> {
  const commands = new Map<string, string>();
  for (const line of lines) {
    const m = /^([XKC]) (\d+) ?(.*)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    if (m[1] === 'C') {
      if (m[3]?.trim()) commands.set(m[2], m[3].trim());
      continue;
    }
    const bytes = bytesFromHex((m[3] ?? '').split(/\s+/).filter(Boolean));
    if (!bytes || bytes.length === 0) continue;
    const command =
      m[1] === 'X'
        ? commandFromCmdline(bytes, CMDLINE_MAX_BYTES)
        : `[${decodeUtf8(bytes).replace(/\n$/, '')}]`;
    if (command) commands.set(m[2], command);
  }
  return commands;
}

/** `uid name` lines of the passwd section; the first name of a uid wins, as getpwuid() does. */
export function usersByUid(lines: readonly string[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of lines) {
    const m = /^(\d+) (.+)$/.exec(line);
    if (m?.[1] && m[2] && !users.has(m[1])) users.set(m[1], m[2]);
  }
  return users;
}

const OLD_PROCPS_LINE = /^\s*(\d+)\s+(\S+)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(.*)$/;

/** procps `ps -eo pid=,user:32=,rss=,pcpu=,pmem=,args=` lines, the form of probes before `P` records. */
export function fromOldProcps(lines: readonly string[], fail: Fail): ProcessInfo[] {
  return lines.map((line) => {
    const m = OLD_PROCPS_LINE.exec(line);
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

const P_RECORD = /^P (\d+) (\d+) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) ?(.*)$/;

/**
 * `P pid uid rssKiB %cpu %mem user` records of procps ps (procps-ng 3.3+), with
 * X/K command records. A process that exited between ps and the cmdline
 * read has no command record and is left out: it is gone.
 */
export function fromProcps(procs: Section, users: Map<string, string>, fail: Fail): ProcessInfo[] {
  const commands = commandsByPid(procs.lines);
  const out: ProcessInfo[] = [];
  for (const line of procs.lines) {
    if (/^[XKC] /.test(line)) continue;
    const m = P_RECORD.exec(line);
    const rssBytes = m?.[3] === undefined ? null : kibToBytes(m[3]);
    if (!m?.[1] || !m[2] || rssBytes === null)
      throw fail(`unexpected ps record "${line.slice(0, 80)}"`);
    const command = commands.get(m[1]);
    if (command === undefined) continue;
    const psUser = (m[6] ?? '').trim();
    out.push({
      pid: Number(m[1]),
      user: users.get(m[2]) ?? (psUser || m[2]),
      command,
      cpuPercent: Number(m[4]),
      memPercent: Number(m[5]),
      rssBytes,
    });
  }
  return out;
}

export interface ProcContext {
  hz: number;
  uptime: number;
  memTotalKib: number | null;
  users: Map<string, string>;
}

/**
 * `S pid uid rssKiB <stat line>` records, each followed by its command
 * record. In the stat line the comm field is parenthesised and may hold
 * spaces or parentheses itself, so fields are counted from the last `)`.
 */
export function fromProc(procs: Section, ctx: ProcContext, fail: Fail): ProcessInfo[] {
  const commands = commandsByPid(procs.lines);
  const out: ProcessInfo[] = [];
  for (const line of procs.lines) {
    if (/^[XKC] /.test(line)) continue;
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
