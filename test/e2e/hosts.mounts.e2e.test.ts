/**
 * Mounts that real hosts have and parsers trip on (issue cases 4 and 5),
 * made in a private mount namespace with a test sshd serving it, so each
 * QUICK scan sees them and the machine never does: a filesystem over 2^53
 * bytes (a tmpfs of size=16P and a bindfs mirror of it, as s3fs and EFS
 * report), and a FUSE mount whose daemon is stopped (statfs never returns).
 */
import { missingForHostStates, skipped, TOOLS } from '../support/host-requirements';
import { type MountNamespace, startMountNamespace } from '../support/mount-namespace';
import {
  diskRow,
  oversizedRow,
  runScan,
  type ScanRow,
  statfsSizeBytes,
  stepSummary,
  unreachableRow,
} from '../support/scan-result';
import { type Stack, startStack } from '../support/stack';

const missing = missingForHostStates('huge and hung mounts in a private mount namespace', [
  TOOLS.unshare,
  TOOLS.nsenter,
  TOOLS.bindfs,
  TOOLS.fuse,
]);

/** The bound the issue sets for the hung case: far under the 30 s command timeout. */
const HUNG_DISK_STEP_MAX_MS = 10_000;

/** A namespace, an sshd inside it and a service, set up by `prepare` and torn down after. */
function hostWith(prepare: (ns: MountNamespace) => Promise<void>): {
  scan: () => ScanRow;
  ns: () => MountNamespace;
} {
  let ns: MountNamespace | undefined;
  let stack: Stack | undefined;
  let scan: ScanRow | undefined;
  beforeAll(async () => {
    if (missing) return;
    ns = await startMountNamespace();
    await prepare(ns);
    stack = await startStack({ processes: ['main'], sshd: { launcher: ns.launcher } });
    scan = await runScan(stack, stack.sshTarget(), 'QUICK');
  }, 150_000);
  afterAll(async () => {
    await stack?.stop();
    await ns?.stop();
  }, 60_000);
  return {
    scan: () => scan!,
    ns: () => ns!,
  };
}

describe('case 4: a filesystem over 2^53 bytes', () => {
  const host = hostWith(async (ns) => {
    await ns.sh(
      `mkdir ${ns.dir}/huge ${ns.dir}/mirror && mount -t tmpfs -o size=16P hostscan-huge ${ns.dir}/huge`,
    );
    await ns.bindfs(`${ns.dir}/huge`, `${ns.dir}/mirror`);
    // The premise, checked where the scan will look: statfs says 2^54 bytes.
    const [blocks, size] = (await ns.sh(`stat -f -c '%b %S' ${ns.dir}/mirror`)).trim().split(' ');
    if (!(BigInt(blocks!) * BigInt(size!) > 2n ** 53n))
      throw new Error(`the bindfs mirror is not over 2^53 bytes: ${blocks} x ${size}`);
  });

  it('completes, the disk step SUCCEEDED', () => {
    if (missing) return skipped(missing);
    const scan = host.scan();
    expect(stepSummary(scan)).toEqual([
      ['os', 'SUCCEEDED', null],
      ['hostname', 'SUCCEEDED', null],
      ['uptime', 'SUCCEEDED', null],
      ['disk', 'SUCCEEDED', null],
      ['memory', 'SUCCEEDED', null],
    ]);
    expect(scan.status).toBe('COMPLETED');
  });

  it('lists the other filesystems: / with its exact size', () => {
    if (missing) return skipped(missing);
    const root = diskRow(host.scan(), '/');
    expect(root?.sizeBytes).toBe(statfsSizeBytes('/'));
    expect(root!.usedBytes! + root!.availableBytes!).toBeLessThanOrEqual(root!.sizeBytes!);
  });

  it('reports the oversized filesystem on a row of its own', () => {
    if (missing) return skipped(missing);
    const mirror = `${host.ns().dir}/mirror`;
    // 16 PiB = 2^54 bytes: size and free space are past 2^53, what is used is not.
    expect(oversizedRow(host.scan(), mirror)).toEqual(
      expect.objectContaining({
        mount: mirror,
        sizeBytes: null,
        availableBytes: null,
        usedBytes: expect.any(Number),
        usePercent: expect.any(Number),
        error: null,
      }),
    );
  });
});

describe('case 5: a FUSE mount whose daemon hangs', () => {
  const host = hostWith(async (ns) => {
    await ns.sh(`mkdir ${ns.dir}/source ${ns.dir}/hung`);
    const pid = await ns.bindfs(`${ns.dir}/source`, `${ns.dir}/hung`);
    process.kill(pid, 'SIGSTOP');
    // The premise: statfs on it does not return (timeout's 124).
    const status = await ns.sh(`timeout 2 stat -f ${ns.dir}/hung >/dev/null 2>&1; echo $?`);
    if (status.trim() !== '124') throw new Error(`the stopped bindfs mount answered: ${status}`);
  });

  it(`completes, the disk step SUCCEEDED within ${HUNG_DISK_STEP_MAX_MS} ms`, () => {
    if (missing) return skipped(missing);
    const scan = host.scan();
    expect(stepSummary(scan)).toEqual([
      ['os', 'SUCCEEDED', null],
      ['hostname', 'SUCCEEDED', null],
      ['uptime', 'SUCCEEDED', null],
      ['disk', 'SUCCEEDED', null],
      ['memory', 'SUCCEEDED', null],
    ]);
    expect(scan.status).toBe('COMPLETED');
    const disk = scan.steps.find((s) => s.name === 'disk');
    expect(disk?.durationMs).toBeLessThan(HUNG_DISK_STEP_MAX_MS);
  });

  it('lists the healthy filesystems: / with its exact size', () => {
    if (missing) return skipped(missing);
    expect(diskRow(host.scan(), '/')?.sizeBytes).toBe(statfsSizeBytes('/'));
  });

  it('reports the hung mount as unreachable', () => {
    if (missing) return skipped(missing);
    const hung = `${host.ns().dir}/hung`;
    expect(unreachableRow(host.scan(), hung)).toEqual(
      expect.objectContaining({
        mount: hung,
        sizeBytes: null,
        usedBytes: null,
        availableBytes: null,
        usePercent: null,
        error: expect.stringMatching(/\S/),
      }),
    );
  });
});
