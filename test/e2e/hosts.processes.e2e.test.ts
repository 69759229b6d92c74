/**
 * Free text in a forced C locale (issue case 7): a process whose arguments
 * hold non-ASCII UTF-8, big enough to be among the largest by memory, must
 * be listed by a FULL scan with its command exactly as the kernel has it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

import { runScan, type ScanRow } from '../support/scan-result';
import { type Stack, startStack } from '../support/stack';

const UNICODE_ARG = 'Grüße-ünïcødé';
/** Resident, not just reserved: filled, so it ranks among the top 25 by RSS. */
const HOLD_BYTES = 1024 ** 3;

let stack: Stack | undefined;
let holder: ChildProcess | undefined;
let scan: ScanRow;

/** The command line as /proc/PID/cmdline holds it, arguments joined by single spaces. */
function cmdlineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
}

beforeAll(async () => {
  holder = spawn(
    process.execPath,
    [
      '-e',
      `const b=Buffer.alloc(${HOLD_BYTES},1);console.log("ready");setInterval(()=>b[0]++,9e4)`,
      UNICODE_ARG,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(holder.stdout!, 'data');
  stack = await startStack({ processes: ['main'] });
  scan = await runScan(stack, stack.sshTarget(), 'FULL');
}, 120_000);

afterAll(async () => {
  holder?.kill('SIGKILL');
  await stack?.stop();
});

describe('case 7: a process whose arguments hold non-ASCII UTF-8', () => {
  it('the processes step SUCCEEDED', () => {
    const step = scan.steps.find((s) => s.name === 'processes');
    expect([step?.status, step?.error]).toEqual(['SUCCEEDED', null]);
  });

  it('is listed with the exact text of its command line', () => {
    const pid = holder!.pid!;
    const expected = cmdlineOf(pid);
    expect(expected).toContain(UNICODE_ARG);
    const row = scan.result?.processes?.find((p) => p.pid === pid);
    expect(row).toEqual(expect.objectContaining({ pid, command: expected }));
    expect(row!.rssBytes).toBeGreaterThanOrEqual(HOLD_BYTES);
  });
});
