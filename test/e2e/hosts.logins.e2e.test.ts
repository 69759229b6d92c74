/**
 * Logins as real fleets have them (issue cases 1 and 2), each scanned FULL
 * through the service and a real OpenSSH sshd: start-up files that print a
 * greeting (with or without a newline, an escape sequence alone), and login
 * shells that are not POSIX (fish, tcsh) or not bash (zsh). Each must give
 * the facts of this machine, the same as a plain bash login gives.
 */
import os from 'node:os';

import { missingForHostStates, skipped, type Tool, TOOLS } from '../support/host-requirements';
import {
  allSucceeded,
  diskRow,
  memTotalBytes,
  runScan,
  type ScanRow,
  statfsSizeBytes,
  stepSummary,
  uptimeSeconds,
} from '../support/scan-result';
import { type Stack, startStack } from '../support/stack';
import { ensureLogin, type LoginSpec } from '../support/users';

/** The reference: bash, no start-up files. */
const BASH: LoginSpec = { name: 'hostscan-bash', shell: '/bin/bash' };

/** Case 1: logins whose start-up files print before any command runs. */
const GREETERS: LoginSpec[] = [
  {
    name: 'hostscan-rc-greet',
    shell: '/bin/bash',
    files: { '.ssh/rc': 'echo "Welcome to $(uname -n). Backups: OK"\n' },
  },
  {
    name: 'hostscan-bashrc-greet',
    shell: '/bin/bash',
    files: { '.bashrc': 'echo "Hello from ~/.bashrc on $(uname -n)"\n' },
  },
  {
    // A colour reset left by a prompt theme: no newline after it.
    name: 'hostscan-rc-esc',
    shell: '/bin/bash',
    files: { '.ssh/rc': "printf '\\033[0m'\n" },
  },
];

/** Case 2: login shells other than bash, each with the tool it needs. */
const SHELLS: Array<{ spec: LoginSpec; tool: Tool }> = [
  { spec: { name: 'hostscan-fish', shell: TOOLS.fish.path }, tool: TOOLS.fish },
  { spec: { name: 'hostscan-tcsh', shell: TOOLS.tcsh.path }, tool: TOOLS.tcsh },
  { spec: { name: 'hostscan-zsh', shell: TOOLS.zsh.path }, tool: TOOLS.zsh },
];

const missing = missingForHostStates('scanning logins with their own shells and rc files', [
  TOOLS.bash,
]);
let stack: Stack | undefined;
const scans = new Map<string, Promise<ScanRow>>();

/**
 * One FULL scan per login, run one after another (the one-active-scan rule
 * counts 127.0.0.1:port as one host whatever the login) and shared by the
 * tests that read it.
 */
let queue: Promise<unknown> = Promise.resolve();
function scanOf(user: string): Promise<ScanRow> {
  let scan = scans.get(user);
  if (!scan) {
    const s = stack!;
    scan = queue.then(() => runScan(s, s.sshTarget({ username: user }), 'FULL'));
    queue = scan.catch(() => undefined);
    scans.set(user, scan);
  }
  return scan;
}

beforeAll(async () => {
  if (missing) return;
  for (const spec of [BASH, ...GREETERS]) await ensureLogin(spec);
  for (const { spec, tool } of SHELLS)
    if (!missingForHostStates(spec.shell, [tool])) await ensureLogin(spec);
  stack = await startStack({ processes: ['main'] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Package names in one scan and not the other, both ways (short, where a whole list is not). */
function packageNamesDiffer(a: ScanRow, b: ScanRow): { onlyIn1: string[]; onlyIn2: string[] } {
  const names = (s: ScanRow): Set<string> => new Set(s.result?.packages?.items.map((p) => p.name));
  const [n1, n2] = [names(a), names(b)];
  return {
    onlyIn1: [...n1].filter((n) => !n2.has(n)),
    onlyIn2: [...n2].filter((n) => !n1.has(n)),
  };
}

/** The facts of the reference bash login that must not depend on the login. */
function stableFacts(scan: ScanRow): Record<string, unknown> {
  const r = scan.result;
  return {
    os: r?.os,
    hostname: r?.hostname,
    mounts: r?.disks?.map((d) => `${d.mount} ${d.filesystem}`).sort(),
    rootSizeBytes: r?.disks?.find((d) => d.mount === '/')?.sizeBytes,
    memoryTotals: r?.memory && [r.memory.totalBytes, r.memory.swapTotalBytes],
    packageCount: r?.packages?.count,
    interfaces: r?.interfaces?.map((i) => `${i.name} ${i.mac} ${i.mtu}`).sort(),
  };
}

describe('the reference login (bash, no start-up files)', () => {
  it("completes a FULL scan with this machine's facts", async () => {
    if (missing) return skipped(missing);
    const scan = await scanOf(BASH.name);
    expect(stepSummary(scan)).toEqual(allSucceeded(scan));
    expect(scan.status).toBe('COMPLETED');
    expect(scan.result?.hostname).toBe(os.hostname());
    expect(scan.result?.os?.kernel).toBe(os.release());
  });
});

describe.each(GREETERS.map((spec) => [spec.name, spec] as const))(
  'case 1: login %s, whose start-up file prints before the command',
  (name, spec) => {
    it('succeeds in every step', async () => {
      if (missing) return skipped(missing);
      const scan = await scanOf(name);
      expect(stepSummary(scan)).toEqual(allSucceeded(scan));
      expect(scan.status).toBe('COMPLETED');
      expect(scan.steps.map((s) => s.name)).toEqual([
        'os',
        'hostname',
        'uptime',
        'disk',
        'memory',
        'packages',
        'processes',
        'interfaces',
      ]);
    });

    it("stores this machine's true hostname, uptime, kernel, memory and root size", async () => {
      if (missing) return skipped(missing);
      const scan = await scanOf(name);
      const r = scan.result;
      // Exactly: no greeting text and no escape sequence around it.
      expect(r?.hostname).toBe(os.hostname());
      expect(Math.abs((r?.uptimeSeconds ?? -1e9) - uptimeSeconds())).toBeLessThan(300);
      expect(r?.os?.kernel).toBe(os.release());
      expect(r?.memory?.totalBytes).toBe(memTotalBytes());
      expect(diskRow(scan, '/')?.sizeBytes).toBe(statfsSizeBytes('/'));
    });

    it('gives the same facts as the reference login', async () => {
      if (missing) return skipped(missing);
      const [reference, scan] = [await scanOf(BASH.name), await scanOf(spec.name)];
      expect(stableFacts(scan)).toEqual(stableFacts(reference));
      expect(packageNamesDiffer(scan, reference)).toEqual({ onlyIn1: [], onlyIn2: [] });
    });
  },
);

describe.each(SHELLS.map(({ spec, tool }) => [spec.shell, spec, tool] as const))(
  'case 2: a login whose shell is %s',
  (shell, spec, tool) => {
    const gap = (): string | null =>
      missing ?? missingForHostStates(`a login whose shell is ${shell}`, [tool]);

    it('succeeds in every step', async () => {
      const why = gap();
      if (why) return skipped(why);
      const scan = await scanOf(spec.name);
      expect(stepSummary(scan)).toEqual(allSucceeded(scan));
      expect(scan.status).toBe('COMPLETED');
      expect(scan.steps).toHaveLength(8);
    });

    it('gives the same facts as the bash login: os, hostname, mounts, memory, packages, interfaces', async () => {
      const why = gap();
      if (why) return skipped(why);
      const [reference, scan] = [await scanOf(BASH.name), await scanOf(spec.name)];
      expect(stableFacts(scan)).toEqual(stableFacts(reference));
      expect(packageNamesDiffer(scan, reference)).toEqual({ onlyIn1: [], onlyIn2: [] });
      expect(scan.result?.hostname).toBe(os.hostname());
    });
  },
);
