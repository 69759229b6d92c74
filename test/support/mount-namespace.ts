/**
 * A private mount namespace for host-state tests (huge and hung mounts, a
 * doctored dpkg database): a holder process keeps it alive, commands enter it
 * with nsenter, and a test sshd started through `launcher` serves it, so
 * every scan session sees its mounts while the machine itself never does.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface MountNamespace {
  /** The holder process (its namespace is the test's). */
  pid: number;
  /** Prefix that runs a command inside by exec, so its pid is the command's. */
  launcher: string[];
  /** A temp dir of this machine for mount points and files (removed on stop). */
  dir: string;
  /** Runs a POSIX sh script inside and returns its stdout. */
  sh(script: string): Promise<string>;
  /** Mount points inside, from the holder's /proc/PID/mountinfo. */
  mounts(): string[];
  /** Mounts a bindfs (FUSE) mirror of `source` at `target`, in the foreground; returns its pid. */
  bindfs(source: string, target: string): Promise<number>;
  /** Kills every process left inside (the namespace goes with the last) and removes `dir`. */
  stop(): Promise<void>;
}

function namespaceOf(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/mnt`);
}

/** Pids of every process in the mount namespace `ns` (`mnt:[inode]`). */
function processesIn(ns: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === ns) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Mount points in /proc/PID/mountinfo (field 5, with its octal escapes decoded). */
function mountPointsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) =>
      (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(parseInt(o, 8)),
      ),
    );
}

/** Starts the holder and resolves once it is inside a namespace of its own. Root only. */
export async function startMountNamespace(): Promise<MountNamespace> {
  const holder: ChildProcess = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'echo ready; exec sleep infinity'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`unshare exited early (code ${code})`)));
    holder.stdout!.once('data', () => resolve());
  });
  const pid = holder.pid!;
  const ns = namespaceOf(pid);
  // Everything below mounts as root: make sure it cannot land on the machine.
  if (ns === namespaceOf('self')) {
    holder.kill('SIGKILL');
    throw new Error('unshare left the holder in this mount namespace');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-ns-'));
  // Scans log in as other users, who must reach the mounts under it.
  chmodSync(dir, 0o755);
  const launcher = ['nsenter', '-t', String(pid), '-m', '--'];
  const daemons: ChildProcess[] = [];

  const sh = async (script: string): Promise<string> => {
    const { stdout } = await execFileAsync(
      launcher[0]!,
      [...launcher.slice(1), 'sh', '-c', script],
      {
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return stdout;
  };

  return {
    pid,
    launcher,
    dir,
    sh,
    mounts: () => mountPointsOf(pid),
    async bindfs(source, target) {
      const child = spawn(launcher[0]!, [...launcher.slice(1), 'bindfs', '-f', source, target], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      daemons.push(child);
      for (let waited = 0; !mountPointsOf(pid).includes(target); waited += 50) {
        if (child.exitCode !== null || waited > 15_000)
          throw new Error(`bindfs ${source} ${target} did not mount`);
        await sleep(50);
      }
      return child.pid!;
    },
    async stop() {
      // A stopped FUSE daemon holds every process waiting on its mount: wake
      // and kill it first, then whatever is left inside, holder last.
      for (const d of daemons) if (d.pid) signal(d.pid, 'SIGCONT');
      for (const d of daemons) if (d.pid) signal(d.pid, 'SIGKILL');
      for (let waited = 0; ; waited += 100) {
        const left = processesIn(ns);
        if (left.length === 0) break;
        if (waited > 15_000) throw new Error(`processes left in ${ns}: ${left.join(' ')}`);
        for (const p of left) signal(p, 'SIGCONT');
        for (const p of left) signal(p, 'SIGKILL');
        await sleep(100);
      }
      // On this machine these are plain directories: the mounts were never here.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
