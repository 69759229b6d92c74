import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { type ScanError, ScanErrorCode } from '../../src/domain/errors';
import type { HostTransport, SshConnectOptions } from '../../src/transport';
import { connectSsh } from '../../src/transport';
import { generateSshKeyPair } from '../support/keys';
import type { TestSshd } from '../support/sshd';
import { startSshd } from '../support/sshd';
import { itExecsLikeEveryTransport, rejection } from '../support/transport';

jest.setTimeout(30_000);

const LIMITS = { timeoutMs: 10_000, maxBytes: 1024 * 1024 };

let sshd: TestSshd;
let shared: HostTransport;
/** Every transport a test opens, closed in afterEach even when the test failed. */
const opened: HostTransport[] = [];
/** Servers and sockets a test opens. */
const cleanups: (() => void)[] = [];

function options(overrides: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    hostKeyPolicy: 'tofu',
    ...overrides,
  };
}

async function connect(overrides: Partial<SshConnectOptions> = {}): Promise<HostTransport> {
  const transport = await connectSsh(options(overrides));
  opened.push(transport);
  return transport;
}

/** Shell snippet listing processes whose command line starts with `prefix`. */
function processesStartingWith(prefix: string): string {
  return (
    `for p in /proc/[0-9]*; do c=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null); ` +
    `case "$c" in "${prefix}"*) echo "\${p#/proc/}";; esac; done`
  );
}

/** Waits until the remote has no process starting with `prefix`; returns what remains. */
async function remoteLeftovers(transport: HostTransport, prefix: string): Promise<string> {
  let left = '';
  for (let i = 0; i < 20; i++) {
    left = (await transport.exec(processesStartingWith(prefix), LIMITS)).stdout.trim();
    if (left === '') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

/** The sshd log written while `action` ran (plus a moment for sshd to finish logging). */
async function logDuring(action: () => Promise<unknown>): Promise<string> {
  const before = sshd.logs().length;
  await action().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  return sshd.logs().slice(before);
}

// DEBUG1 logs every userauth request, including the "none" probe a client
// sends first, so "no auth attempt" can be proved and not merely assumed.
const AUTH_ATTEMPT = /userauth-request|Accepted |Failed |Postponed |Invalid user/;

/**
 * A TCP proxy in front of sshd that a test can cut (both sides destroyed) or
 * freeze (bytes silently dropped, as with a dead NAT entry).
 */
async function startProxy(): Promise<{ port: number; cut(): void; freeze(): void }> {
  const sockets: net.Socket[] = [];
  let frozen = false;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(sshd.port, sshd.host);
    sockets.push(inbound, outbound);
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    };
    relay(inbound, outbound);
    relay(outbound, inbound);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const close = (): void => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  cleanups.push(close);
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => sockets.forEach((s) => s.destroy()),
    freeze: () => {
      frozen = true;
    },
  };
}

beforeAll(async () => {
  sshd = await startSshd({ logLevel: 'DEBUG1' });
  shared = await connectSsh(options());
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
  cleanups.splice(0).forEach((fn) => fn());
});

afterAll(async () => {
  await shared?.close();
  await sshd?.stop();
});

describe('SSH transport: commands', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const result = await shared.exec('echo out; echo err >&2; exit 0', LIMITS);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('reports a non-zero exit code without rejecting', async () => {
    const result = await shared.exec('echo failing >&2; exit 42', LIMITS);
    expect(result.exitCode).toBe(42);
    expect(result.stderr).toBe('failing\n');
  });

  it('runs the command with LC_ALL=C', async () => {
    const result = await shared.exec('echo "$LC_ALL"', LIMITS);
    expect(result.stdout).toBe('C\n');
  });

  it('passes quotes, dollars, backslashes and newlines through unchanged', async () => {
    const tricky = `it's "quoted" $HOME \\n \`x\` ; | & ( ) *\nsecond line`;
    const result = await shared.exec(`cat <<'EOF'\n${tricky}\nEOF`, LIMITS);
    expect(result.stdout).toBe(`${tricky}\n`);
  });

  it('closes stdin so a command reading it ends at once', async () => {
    const result = await shared.exec('cat; echo done', { ...LIMITS, timeoutMs: 3_000 });
    expect(result.stdout).toBe('done\n');
  });

  it('decodes multibyte UTF-8 split across chunk boundaries intact', async () => {
    // ~500 kB: many SSH packets, so characters straddle chunk edges.
    const result = await shared.exec("yes 'é€😀' | head -n 50000", LIMITS);
    expect(result.stdout).toBe('é€😀\n'.repeat(50_000));
  });

  it('reports the SHA-256 host key fingerprint that ssh-keygen -lf prints', async () => {
    if (!existsSync('/usr/bin/ssh-keygen')) {
      // Only on the stand-in server (OpenSSH's sshd brings ssh-keygen with it).
      process.stdout.write('[tests] skipped: no ssh-keygen to compare the fingerprint with\n');
      return;
    }
    const pub = path.join(sshd.dir, 'hostkey.pub');
    const printed = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' });
    expect(printed).toContain(shared.hostKeyFingerprint);
    expect(shared.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('rejects with COMMAND_TIMEOUT near the deadline and the remote command dies', async () => {
    const started = performance.now();
    const err = await rejection(shared.exec('sleep 31.7', { ...LIMITS, timeoutMs: 1_000 }));
    const elapsed = performance.now() - started;
    expect(err.code).toBe(ScanErrorCode.COMMAND_TIMEOUT);
    expect(elapsed).toBeLessThan(2_000);
    expect(await remoteLeftovers(shared, 'sleep 31.7')).toBe('');
  });

  it('rejects endless output with OUTPUT_LIMIT without buffering it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const err = await rejection(
      shared.exec('yes hostscan-ssh-flood', { timeoutMs: 10_000, maxBytes: 1024 * 1024 }),
    );
    expect(err.code).toBe(ScanErrorCode.OUTPUT_LIMIT);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(await remoteLeftovers(shared, 'yes hostscan-ssh-flood')).toBe('');
    // The connection survives a killed channel.
    expect((await shared.exec('echo still here', LIMITS)).stdout).toBe('still here\n');
  });

  it('rejects with CANCELLED when aborted and leaves no abort listener behind', async () => {
    const controller = new AbortController();
    const pending = shared.exec('sleep 32.3', { ...LIMITS, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const err = await rejection(pending);
    expect(err.code).toBe(ScanErrorCode.CANCELLED);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await remoteLeftovers(shared, 'sleep 32.3')).toBe('');
  });

  it('removes its abort listener after a command that succeeded', async () => {
    const controller = new AbortController();
    await shared.exec('true', { ...LIMITS, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  itExecsLikeEveryTransport(() => shared, LIMITS);

  it('runs commands in parallel on one connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => shared.exec(`sleep 0.2; echo ${i}`, LIMITS)),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
  });

  it('runs 20 sequential commands on one connection', async () => {
    // Latency figures come from `npm run bench` (the SSH exec row), not from here.
    for (let i = 0; i < 20; i++) {
      const result = await shared.exec(`echo ${i}`, LIMITS);
      expect(result.stdout).toBe(`${i}\n`);
      expect(result.exitCode).toBe(0);
    }
  });
});

describe('SSH transport: connecting', () => {
  it('connects and reports the server host key fingerprint', async () => {
    const transport = await connect();
    expect(transport.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('fails fast with CONNECTION_REFUSED on a closed port', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const started = performance.now();
    const err = await rejection(connect({ port }));
    expect(err.code).toBe(ScanErrorCode.CONNECTION_REFUSED);
    expect(err.retryable).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('fails with DNS_FAILURE for a name that cannot resolve', async () => {
    const err = await rejection(connect({ host: 'nonexistent.invalid' }));
    expect(err.code).toBe(ScanErrorCode.DNS_FAILURE);
  });

  it('fails with AUTH_FAILED (not retryable) for a key the server does not know', async () => {
    const stranger = generateSshKeyPair('ed25519');
    const err = await rejection(connect({ privateKey: stranger.private }));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.retryable).toBe(false);
  });

  it('fails with AUTH_FAILED for a private key it cannot parse', async () => {
    const err = await rejection(connect({ privateKey: 'not a key' }));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
  });

  it('fails with CONNECTION_TIMEOUT when the server never speaks SSH', async () => {
    const server = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    server.on('connection', (s) => held.push(s));
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => {
      held.forEach((s) => s.destroy());
      server.close();
    });
    const started = performance.now();
    const err = await rejection(
      connect({ port: (server.address() as net.AddressInfo).port, readyTimeoutMs: 500 }),
    );
    expect(err.code).toBe(ScanErrorCode.CONNECTION_TIMEOUT);
    expect(err.retryable).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('rejects with CANCELLED when the connect is aborted', async () => {
    const server = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    server.on('connection', (s) => held.push(s));
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => {
      held.forEach((s) => s.destroy());
      server.close();
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(
      connect({ port: (server.address() as net.AddressInfo).port, signal: controller.signal }),
    );
    expect(err.code).toBe(ScanErrorCode.CANCELLED);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('SSH transport: host keys', () => {
  it('connects under strict policy when the pinned fingerprint matches', async () => {
    const transport = await connect({
      hostKeyPolicy: 'strict',
      // Without the prefix, as some operators paste it.
      expectedHostKeyFingerprint: sshd.hostKeyFingerprint.replace(/^SHA256:/, ''),
    });
    expect(transport.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('logs auth attempts for a normal connection (control for the checks below)', async () => {
    const log = await logDuring(() => connect());
    expect(log).toMatch(AUTH_ATTEMPT);
  });

  it('fails with HOST_KEY_MISMATCH before any authentication attempt', async () => {
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    let err: ScanError | undefined;
    const log = await logDuring(async () => {
      err = await rejection(connect({ expectedHostKeyFingerprint: wrong }));
    });
    expect(err?.code).toBe(ScanErrorCode.HOST_KEY_MISMATCH);
    expect(err?.retryable).toBe(false);
    expect(log).toContain('Connection from 127.0.0.1');
    expect(log).not.toMatch(AUTH_ATTEMPT);
  });

  it('fails with HOST_KEY_UNKNOWN under strict policy with nothing pinned, before auth', async () => {
    let err: ScanError | undefined;
    const log = await logDuring(async () => {
      err = await rejection(connect({ hostKeyPolicy: 'strict' }));
    });
    expect(err?.code).toBe(ScanErrorCode.HOST_KEY_UNKNOWN);
    expect(log).toContain('Connection from 127.0.0.1');
    expect(log).not.toMatch(AUTH_ATTEMPT);
  });
});

describe('SSH transport: lost connections and close', () => {
  it('rejects a running command with a connection error when the connection drops', async () => {
    const proxy = await startProxy();
    const transport = await connect({ port: proxy.port });
    const pending = transport.exec('sleep 33.1', LIMITS);
    setTimeout(() => proxy.cut(), 300);
    const started = performance.now();
    const err = await rejection(pending);
    expect(err.code).toBe(ScanErrorCode.CONNECTION_TIMEOUT);
    expect(err.retryable).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
    const after = await rejection(transport.exec('true', LIMITS));
    expect(after.code).toBe(ScanErrorCode.CONNECTION_TIMEOUT);
  });

  it('notices a silent peer through keepalives', async () => {
    const proxy = await startProxy();
    const transport = await connect({
      port: proxy.port,
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    const pending = transport.exec('sleep 33.2', LIMITS);
    setTimeout(() => proxy.freeze(), 200);
    const started = performance.now();
    const err = await rejection(pending);
    expect(err.code).toBe(ScanErrorCode.CONNECTION_TIMEOUT);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('closes idempotently and rejects commands running at close with CANCELLED', async () => {
    const transport = await connect();
    const pending = transport.exec('sleep 33.3', LIMITS);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect((await rejection(pending)).code).toBe(ScanErrorCode.CANCELLED);
    expect((await rejection(transport.exec('true', LIMITS))).code).toBe(ScanErrorCode.CANCELLED);
  });

  it('closes the connection when the connect signal aborts later', async () => {
    const controller = new AbortController();
    const transport = await connect({ signal: controller.signal });
    const pending = transport.exec('sleep 33.4', LIMITS);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    expect((await rejection(pending)).code).toBe(ScanErrorCode.CANCELLED);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

// Last: it restarts sshd with a new host key.
describe('SSH transport: a host key that changed', () => {
  it('fails with HOST_KEY_MISMATCH against the old pin and connects with the new one', async () => {
    const oldFingerprint = sshd.hostKeyFingerprint;
    const newFingerprint = await sshd.swapHostKey();
    expect(newFingerprint).not.toBe(oldFingerprint);
    const err = await rejection(connect({ expectedHostKeyFingerprint: oldFingerprint }));
    expect(err.code).toBe(ScanErrorCode.HOST_KEY_MISMATCH);
    const transport = await connect({ expectedHostKeyFingerprint: newFingerprint });
    expect(transport.hostKeyFingerprint).toBe(newFingerprint);
  });
});
