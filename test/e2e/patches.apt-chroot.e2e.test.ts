/**
 * PATCHES against a real apt: a Debian 12 minbase chroot behind the test
 * sshd (Match User + ChrootDirectory) whose only sources are a local
 * repository with newer builds of two installed packages, one in a
 * `bookworm-security` suite (test/support/apt-chroot.ts). The scan must
 * list exactly those two, then see the reboot flag once it exists, then
 * report a held dpkg lock as a failed step. A LOCAL PATCHES scan of this
 * machine must agree with apt-get's own simulation here.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

import { type AptChroot, REPO_UPDATES, startAptChroot } from '../support/apt-chroot';
import { missingForHostStates, skipped, type Tool, TOOLS } from '../support/host-requirements';
import { type MountNamespace, startMountNamespace } from '../support/mount-namespace';
import { runScan, stepSummary } from '../support/scan-result';
import { type Stack, startStack } from '../support/stack';
import { ensureUser } from '../support/users';

const execFileAsync = promisify(execFile);
const LOGIN = 'hostscan-apt';
const NEEDS: Tool[] = [
  TOOLS.unshare,
  TOOLS.nsenter,
  { path: '/usr/sbin/debootstrap', pkg: 'debootstrap' },
  { path: '/usr/bin/apt-ftparchive', pkg: 'apt-utils' },
  { path: '/usr/bin/python3', pkg: 'python3' },
];

const missing = missingForHostStates('the apt chroot', NEEDS);
let ns: MountNamespace | undefined;
let chroot: AptChroot | undefined;
let stack: Stack | undefined;
let holder: ChildProcess | undefined;

beforeAll(async () => {
  if (missing) return;
  await ensureUser(LOGIN);
  ns = await startMountNamespace();
  chroot = await startAptChroot(ns);
  stack = await startStack({
    processes: ['main'],
    sshd: {
      launcher: ns.launcher,
      extraConfig: [`Match User ${LOGIN}`, `  ChrootDirectory ${chroot.root}`],
    },
  });
}, 900_000);

afterAll(async () => {
  holder?.kill('SIGKILL');
  await stack?.stop();
  await ns?.stop();
  chroot?.remove();
}, 60_000);

const target = () => stack!.sshTarget({ username: LOGIN });

describe('PATCHES over SSH on a Debian 12 chroot with a local repository', () => {
  it('lists exactly the two updates, with both versions, source and security flag', async () => {
    if (missing) return skipped(missing);
    const scan = await runScan(stack!, target(), 'PATCHES');
    expect(stepSummary(scan)).toEqual([
      ['os', 'SUCCEEDED', null],
      ['updates', 'SUCCEEDED', null],
      ['reboot', 'SUCCEEDED', null],
    ]);
    expect(scan.status).toBe('COMPLETED');
    expect(scan.result?.os?.versionId).toBe('12');
    const installed = await chroot!.sh(
      `dpkg-query -W -f='\${Package} \${Version}\\n' ${REPO_UPDATES.map((u) => u.name).join(' ')}`,
    );
    const current = new Map(
      installed
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    expect(scan.result?.updates).toEqual(
      [...REPO_UPDATES]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => ({
          name: u.name,
          currentVersion: current.get(u.name),
          availableVersion: u.version,
          arch: 'amd64',
          source: u.suite,
          security: u.suite.endsWith('-security'),
          severity: null,
          advisoryIds: [],
        })),
    );
    // apt-get update ran in the set-up, seconds ago.
    expect(scan.result?.packageListsAge).toBeGreaterThanOrEqual(0);
    expect(scan.result?.packageListsAge).toBeLessThan(600);
    expect(scan.result?.rebootRequired).toBe(false);
    expect(scan.result?.rebootReasons).toEqual([]);
  }, 120_000);

  it('wrote nothing: the lists and dpkg status are as the set-up left them', async () => {
    if (missing) return skipped(missing);
    const before = await chroot!.sh(
      'ls -l --time-style=+%s /var/lib/apt/lists /var/lib/dpkg/status',
    );
    await runScan(stack!, target(), 'PATCHES');
    expect(await chroot!.sh('ls -l --time-style=+%s /var/lib/apt/lists /var/lib/dpkg/status')).toBe(
      before,
    );
  }, 120_000);

  it('requires a reboot once /var/run/reboot-required and its .pkgs exist', async () => {
    if (missing) return skipped(missing);
    await chroot!.sh(
      "printf '*** System restart required ***\\n' > /var/run/reboot-required && printf 'libc6\\nlinux-image-6.1.0-99-amd64\\n' > /var/run/reboot-required.pkgs",
    );
    const scan = await runScan(stack!, target(), 'PATCHES');
    expect(scan.result?.rebootRequired).toBe(true);
    expect(scan.result?.rebootReasons).toEqual([
      '/var/run/reboot-required: libc6, linux-image-6.1.0-99-amd64',
    ]);
    await chroot!.sh('rm -f /var/run/reboot-required /var/run/reboot-required.pkgs');
  }, 120_000);

  it('fails the updates step, and only it, while dpkg’s lock is held', async () => {
    if (missing) return skipped(missing);
    const lock = `${chroot!.root}/var/lib/dpkg/lock-frontend`;
    holder = spawn(
      ns!.launcher[0]!,
      [
        ...ns!.launcher.slice(1),
        'python3',
        '-c',
        `import fcntl,os,sys,time\nfd=os.open(${JSON.stringify(lock)}, os.O_RDWR)\nfcntl.lockf(fd, fcntl.LOCK_EX)\nprint(os.getpid(), flush=True)\ntime.sleep(120)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<string>((resolve) =>
      holder!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    const scan = await runScan(stack!, target(), 'PATCHES');
    holder.kill('SIGKILL');
    expect(scan.status).toBe('PARTIAL');
    expect(stepSummary(scan)).toEqual([
      ['os', 'SUCCEEDED', null],
      ['updates', 'FAILED', 'COMMAND_FAILED'],
      ['reboot', 'SUCCEEDED', null],
    ]);
    const step = scan.steps.find((s) => s.name === 'updates');
    expect(step?.error?.message).toContain(
      `apt is busy: lock held on /var/lib/dpkg/lock-frontend (pid ${pid})`,
    );
  }, 120_000);
});

describe('PATCHES over LOCAL on this machine', () => {
  it('agrees with apt-get -s dist-upgrade run here', async () => {
    if (missing) return skipped(missing);
    const scan = await runScan(stack!, { hostname: os.hostname(), transport: 'LOCAL' }, 'PATCHES');
    expect(stepSummary(scan)).toEqual([
      ['os', 'SUCCEEDED', null],
      ['updates', 'SUCCEEDED', null],
      ['reboot', 'SUCCEEDED', null],
    ]);
    const { stdout } = await execFileAsync('apt-get', ['-s', 'dist-upgrade'], {
      env: { ...process.env, LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const upgrades = stdout
      .split('\n')
      .filter((l) => /^Inst \S+ \[/.test(l))
      .map((l) => l.split(' ')[1]!.replace(/:.*/, ''))
      .sort();
    expect(scan.result?.updates?.map((u) => u.name).sort()).toEqual(upgrades);
    expect(scan.result?.updates?.filter((u) => u.security).length).toBe(
      stdout.split('\n').filter((l) => /^Inst \S+ \[.*-security[ ,]/.test(l)).length,
    );
  }, 120_000);
});
