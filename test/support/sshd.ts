import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findFreePort } from '../../src/util/net';
import { startFallbackSshd } from './fallback-sshd';
import { sshdConfigText } from './sshd-config';
import { ensureUser } from './users';

const execFileAsync = promisify(execFile);

export const SSHD_PATH = '/usr/sbin/sshd';
/** Login user when the tests run as root: a plain /bin/sh, no slow rc files. */
export const TEST_USER = 'hostscan-test';

export interface StartSshdOptions {
  /** sshd LogLevel. Default VERBOSE (logs each auth attempt's outcome). */
  logLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** Lines appended to sshd_config. */
  extraConfig?: string[];
  /** How long to wait for "Server listening". Default 10000 ms. */
  startTimeoutMs?: number;
  /** Global sshd_config keywords to set otherwise (sshd keeps a keyword's first value). */
  overrides?: Record<string, string>;
  /**
   * A command that runs sshd in its place by exec (e.g. `nsenter -t PID -m --`,
   * to serve a private mount namespace). OpenSSH only.
   */
  launcher?: string[];
  /** Authorise this client key (OpenSSH format) instead of generating one. */
  clientPrivateKey?: Buffer;
}

export interface TestSshd {
  /** OpenSSH's sshd, or the ssh2-based stand-in where none is installed (fallback-sshd.ts). */
  kind: 'openssh' | 'fallback';
  host: string;
  port: number;
  username: string;
  /** Client private key (OpenSSH format) whose public half is authorised. */
  privateKey: Buffer;
  /** `SHA256:...` of the current host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  dir: string;
  hostKeyPath: string;
  logPath: string;
  /** Everything sshd logged since start (all restarts included). */
  logs(): string;
  /** Replaces the host key with a fresh one and restarts on the same port. Returns the new fingerprint. */
  swapHostKey(): Promise<string>;
  stop(): Promise<void>;
}

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { timeout: 15_000 });
    return stdout;
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed`, { cause: e });
  }
}

async function fingerprintOf(pubKeyPath: string): Promise<string> {
  // "256 SHA256:abc... comment (ED25519)"
  const out = await run('ssh-keygen', ['-lf', pubKeyPath]);
  const match = /\b(SHA256:[A-Za-z0-9+/]+)/.exec(out);
  if (!match?.[1]) throw new Error(`unexpected ssh-keygen -lf output: ${out}`);
  return match[1];
}

async function generateKey(keyPath: string): Promise<void> {
  await rm(keyPath, { force: true });
  await rm(`${keyPath}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostscan-test', '-f', keyPath]);
}

/**
 * As root: a dedicated user with /bin/sh (root's own rc files here add ~100 ms
 * per exec); otherwise whoever runs the tests.
 */
async function ensureLoginUser(): Promise<string> {
  if (process.getuid?.() !== 0) return os.userInfo().username;
  await ensureUser(TEST_USER);
  return TEST_USER;
}

/** True when the tests run their SSH host on the ssh2-based stand-in instead of OpenSSH. */
export function usingFallbackSshd(): boolean {
  if (process.env.HOSTSCAN_TEST_SSHD === 'fallback') return true;
  if (existsSync(SSHD_PATH)) return false;
  if (process.env.CI === 'true') {
    throw new Error(
      `${SSHD_PATH} not found: CI needs a real sshd (apt-get install openssh-server)`,
    );
  }
  return true;
}

let toldFallback = false;

/**
 * Starts a private OpenSSH server on a free loopback port, in its own temp dir
 * with its own host and client keys. Where no sshd is installed (and not under
 * CI=true, where that is an error) it starts the ssh2-based stand-in instead,
 * and says so once.
 */
export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshd> {
  const username = await ensureLoginUser();
  if (usingFallbackSshd()) {
    if (!toldFallback) {
      toldFallback = true;
      process.stdout.write(
        `[tests] no OpenSSH sshd at ${SSHD_PATH} (or HOSTSCAN_TEST_SSHD=fallback): ` +
          'SSH hosts are an ssh2-based stand-in running commands on this machine; ' +
          'install openssh-server to test against the real thing\n',
      );
    }
    if (options.launcher || options.clientPrivateKey)
      throw new Error('the stand-in SSH server has no launcher or given client key');
    return startFallbackSshd(username, options);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hostscan-sshd-'));
  // sshd reads authorized_keys as the login user: the dir must be traversable.
  await chmod(dir, 0o755);
  const hostKeyPath = path.join(dir, 'hostkey');
  const clientKeyPath = path.join(dir, 'client_key');
  const configPath = path.join(dir, 'sshd_config');
  const logPath = path.join(dir, 'sshd.log');
  if (options.clientPrivateKey) {
    await writeFile(clientKeyPath, options.clientPrivateKey, { mode: 0o600 });
    await writeFile(`${clientKeyPath}.pub`, await run('ssh-keygen', ['-y', '-f', clientKeyPath]));
    await generateKey(hostKeyPath);
  } else {
    await Promise.all([generateKey(hostKeyPath), generateKey(clientKeyPath)]);
  }
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyPath}.pub`));
  await chmod(authorizedKeys, 0o644);
  const privateKey = await readFile(clientKeyPath);
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const logFile = createWriteStream(logPath, { flags: 'a' });
  let logText = '';
  let child: ChildProcess | undefined;
  let port = 0;

  async function launch(): Promise<void> {
    // Another process may grab the port between probe and bind: retry a few times.
    for (let attempt = 1; ; attempt++) {
      port = port || (await findFreePort());
      const config = sshdConfigText(dir, port, hostKeyPath, {
        ...options,
        logLevel: options.logLevel ?? 'VERBOSE',
      });
      await writeFile(configPath, config);
      try {
        const launch = { launcher: options.launcher ?? [], configPath, port };
        child = await spawnSshd(launch, options.startTimeoutMs ?? 10_000, (text) => {
          logText += text;
          // Session processes log to the same pipe and may outlive the listener.
          if (!logFile.writableEnded) logFile.write(text);
        });
        return;
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/i.test(logText)) {
          throw new Error(`sshd did not start; log:\n${logText}`, { cause: e });
        }
        port = 0;
      }
    }
  }

  async function stopChild(): Promise<void> {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  await launch();
  const sshd: TestSshd = {
    kind: 'openssh',
    host: '127.0.0.1',
    // A getter: a relaunch (swapHostKey) that lost its port to another process moves.
    get port() {
      return port;
    },
    username,
    privateKey,
    hostKeyFingerprint: await fingerprintOf(`${hostKeyPath}.pub`),
    dir,
    hostKeyPath,
    logPath,
    logs: () => logText,
    async swapHostKey() {
      await stopChild();
      await generateKey(hostKeyPath);
      sshd.hostKeyFingerprint = await fingerprintOf(`${hostKeyPath}.pub`);
      await launch();
      return sshd.hostKeyFingerprint;
    },
    async stop() {
      await stopChild();
      await new Promise<void>((resolve) => logFile.end(resolve));
      if (process.env.HOSTSCAN_KEEP_SSHD_DIR !== '1')
        await rm(dir, { recursive: true, force: true });
    },
  };
  return sshd;
}

/**
 * Spawns `sshd -D -e` (through `launcher`, which must exec it so the child
 * is sshd itself) and resolves once it logs that it listens on `port`.
 */
async function spawnSshd(
  { launcher, configPath, port }: { launcher: string[]; configPath: string; port: number },
  timeoutMs: number,
  onLog: (text: string) => void,
): Promise<ChildProcess> {
  const [command, ...args] = [...launcher, SSHD_PATH, '-D', '-e', '-f', configPath];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  let ready = false;
  const listening = `Server listening on 127.0.0.1 port ${port}`;
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sshd did not listen within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (ready) return;
      seen += text;
      if (seen.includes(listening)) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot spawn ${command}`, { cause: e }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited early (code ${code}, signal ${signal})`));
    });
  });
}
