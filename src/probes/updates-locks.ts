import type { Section } from './output';

/** A lock the manager's own commands would wait for or fail on. */
export interface HeldLock {
  file: string;
  /** The holder's pid, when the kernel or the pid file names one. */
  pid: string | null;
}

/** st_dev as stat(1) prints it (glibc's encoding) split into major and minor. */
function devParts(dev: number): [number, number] {
  return [Math.floor(dev / 256) & 0xfff, (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)];
}

/**
 * `/proc/locks` lines (Linux fs/locks.c): `1: POSIX  ADVISORY  WRITE 1234
 * fd:01:5678 0 EOF`, with `->` after the ordinal for a waiter; the device is
 * hex `major:minor`, the inode decimal. Returns the holder's pid per
 * "device inode".
 */
function kernelLocks(lines: readonly string[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === '->') continue;
    const [pid, id] = [fields[4], fields[5]];
    const m = /^([0-9a-f]+):([0-9a-f]+):(\d+)$/i.exec(id ?? '');
    if (!m || !pid) continue;
    held.set(`${parseInt(m[1]!, 16)}:${parseInt(m[2]!, 16)} ${m[3]}`, pid);
  }
  return held;
}

/**
 * The locks held on this host, from the `@@lock DEV INO FILE`,
 * `@@proc-locks`, `@@pidlock PID FILE` sections of the updates script.
 */
export function heldLocks(found: readonly Section[]): HeldLock[] {
  const table = kernelLocks(found.find((s) => s.name === 'proc-locks')?.lines ?? []);
  const out: HeldLock[] = [];
  for (const s of found) {
    if (s.name === 'lock') {
      const m = /^(\d+) (\d+) (.+)$/.exec(s.arg);
      if (!m) continue;
      const [major, minor] = devParts(Number(m[1]));
      const pid = table.get(`${major}:${minor} ${m[2]}`);
      if (pid !== undefined) out.push({ file: m[3]!, pid: pid === '-1' ? null : pid });
    } else if (s.name === 'pidlock') {
      const m = /^(\S+) (.+)$/.exec(s.arg);
      if (m) out.push({ file: m[2]!, pid: m[1] === '-' ? null : m[1]! });
    }
  }
  return out;
}
