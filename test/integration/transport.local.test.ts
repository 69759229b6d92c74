import { getEventListeners } from 'node:events';

import { ScanErrorCode } from '../../src/domain/errors';
import type { HostTransport } from '../../src/transport';
import { createLocalTransport } from '../../src/transport';
import { itExecsLikeEveryTransport, rejection } from '../support/transport';

jest.setTimeout(20_000);

const LIMITS = { timeoutMs: 10_000, maxBytes: 1024 * 1024 };

let local: HostTransport;

beforeAll(() => {
  local = createLocalTransport();
});

afterAll(async () => {
  await local.close();
});

/** Is any process on this machine running a command line that starts with `prefix`? */
async function leftovers(prefix: string): Promise<string> {
  const script =
    `for p in /proc/[0-9]*; do c=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null); ` +
    `case "$c" in "${prefix}"*) echo "\${p#/proc/}";; esac; done`;
  let left = '';
  for (let i = 0; i < 20; i++) {
    left = (await local.exec(script, LIMITS)).stdout.trim();
    if (left === '') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

describe('local transport', () => {
  it('has no host key', () => {
    expect(local.hostKeyFingerprint).toBeNull();
  });

  it('returns stdout, stderr and the exit code', async () => {
    const result = await local.exec('echo out; echo err >&2; exit 7', LIMITS);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('runs the command with LC_ALL=C and stdin closed', async () => {
    const result = await local.exec('cat; echo "$LC_ALL"', LIMITS);
    expect(result.stdout).toBe('C\n');
  });

  it('decodes multibyte UTF-8 split across chunk boundaries intact', async () => {
    const result = await local.exec("yes 'é€😀' | head -n 50000", LIMITS);
    expect(result.stdout).toBe('é€😀\n'.repeat(50_000));
  });

  it('rejects with COMMAND_TIMEOUT and kills the whole process group', async () => {
    const started = performance.now();
    const err = await rejection(
      local.exec('sleep 41.1 & sleep 41.2; wait', { ...LIMITS, timeoutMs: 500 }),
    );
    expect(err.code).toBe(ScanErrorCode.COMMAND_TIMEOUT);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await leftovers('sleep 41.')).toBe('');
  });

  it('rejects endless output with OUTPUT_LIMIT and kills the writer', async () => {
    const rssBefore = process.memoryUsage().rss;
    const err = await rejection(local.exec('yes', { timeoutMs: 10_000, maxBytes: 1024 * 1024 }));
    expect(err.code).toBe(ScanErrorCode.OUTPUT_LIMIT);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('rejects with CANCELLED when aborted and removes its abort listener', async () => {
    const controller = new AbortController();
    const pending = local.exec('sleep 41.3', { ...LIMITS, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(pending);
    expect(err.code).toBe(ScanErrorCode.CANCELLED);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await leftovers('sleep 41.3')).toBe('');
  });

  itExecsLikeEveryTransport(() => local, LIMITS);

  it('closes idempotently', async () => {
    const transport = createLocalTransport();
    await transport.close();
    await expect(transport.close()).resolves.toBeUndefined();
    await expect(transport.exec('true', LIMITS)).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
