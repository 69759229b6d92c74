/**
 * The tests' SSH server where no OpenSSH sshd is installed (a developer
 * machine with only Node and npm): an ssh2 `Server` on a loopback port that
 * runs each exec request as `/bin/sh -c <command>` on this machine, the way
 * sshd would for the login user. Under CI=true a missing sshd is an error
 * instead (see startSshd); HOSTSCAN_TEST_SSHD=fallback forces this server.
 *
 * What it does like sshd: public-key login for one authorised key (as any
 * existing user when we are root, as the tests' sshd_config allows), exec
 * sessions with stdout, stderr, exit status or exit signal, `signal` requests
 * passed to the command's process group, `Match User` + `SetEnv PATH=` from
 * the extra config, the command run as the login user when we are root, and
 * log lines for each authentication attempt in sshd's words. What it does
 * not: passwords, ptys, subsystems (no sftp), forwarding.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { AuthContext, Connection, ServerChannel } from 'ssh2';

import { sha256Fingerprint } from '../../src/transport/fingerprint';
import { generateSshKeyPair } from './keys';
import {
  parseKey,
  publicKeyVerdict,
  type Ssh2TestServer,
  startSsh2TestServer,
} from './ssh2-test-server';
import type { StartSshdOptions, TestSshd } from './sshd';

const execFileAsync = promisify(execFile);

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** `Match User <name>` blocks' `SetEnv PATH=<value>` lines, by user. */
function pathOverrides(extraConfig: readonly string[]): Map<string, string> {
  const byUser = new Map<string, string>();
  let user: string | null = null;
  for (const line of extraConfig) {
    const match = /^\s*Match\s+User\s+(\S+)\s*$/i.exec(line);
    if (match) {
      user = match[1]!;
      continue;
    }
    const setEnv = /^\s*SetEnv\s+PATH=(\S+)\s*$/i.exec(line);
    if (setEnv && user) byUser.set(user, setEnv[1]!);
  }
  return byUser;
}

/** uid, gid and home of `user`, for running commands as that user (root only). */
async function account(user: string): Promise<{ uid: number; gid: number; home: string } | null> {
  try {
    const { stdout } = await execFileAsync('getent', ['passwd', user]);
    const [, , uid, gid, , home] = stdout.trim().split(':');
    return { uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  } catch {
    return null;
  }
}

export async function startFallbackSshd(
  username: string,
  options: StartSshdOptions = {},
): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hostscan-fallback-sshd-'));
  await chmod(dir, 0o755);
  const hostKeyPath = path.join(dir, 'hostkey');
  const logPath = path.join(dir, 'sshd.log');
  const clientKey = generateSshKeyPair('ed25519');
  const authorized = parseKey(clientKey.public);
  const overrides = pathOverrides(options.extraConfig ?? []);
  const asRoot = process.getuid?.() === 0;

  let logText = '';
  const log = (line: string): void => {
    logText += `${line}\n`;
  };
  const children = new Set<ChildProcess>();
  let stopped = false;
  let hostKey = generateSshKeyPair('ed25519');
  let server: Ssh2TestServer | null = null;
  let port = 0;

  async function writeHostKey(): Promise<string> {
    await writeFile(hostKeyPath, hostKey.private, { mode: 0o600 });
    await writeFile(`${hostKeyPath}.pub`, `${hostKey.public}\n`);
    return sha256Fingerprint(parseKey(hostKey.public).getPublicSSH());
  }

  /**
   * As the tests' sshd_config does (one AuthorizedKeysFile for everyone):
   * the key logs in as any existing user when we are root, else as us.
   */
  async function mayLogIn(user: string): Promise<boolean> {
    if (user === username) return true;
    return asRoot && (await account(user)) !== null;
  }

  async function onAuthentication(ctx: AuthContext): Promise<void> {
    log(
      `debug1: userauth-request for user ${ctx.username} service ssh-connection method ${ctx.method}`,
    );
    const fail = (): void => {
      if (ctx.method !== 'none') log(`Failed ${ctx.method} for ${ctx.username} from 127.0.0.1`);
      ctx.reject(['publickey']);
    };
    if (ctx.method !== 'publickey' || !(await mayLogIn(ctx.username))) return fail();
    const verdict = publicKeyVerdict(ctx, authorized);
    if (verdict === 'rejected') return fail();
    // Without a signature the client only asks whether the key would do.
    log(
      `${verdict === 'query' ? 'Postponed' : 'Accepted'} publickey for ${ctx.username} from 127.0.0.1`,
    );
    ctx.accept();
  }

  /**
   * Runs one exec request. The account is looked up and the command spawned
   * before the request is accepted: the client only gets its channel (and so
   * can only signal or close it) once there is a process behind it.
   */
  async function run(
    command: string,
    user: string,
    acceptExec: () => ServerChannel,
    onSpawn: (child: ChildProcess) => void,
  ): Promise<void> {
    const who = asRoot && user !== 'root' ? await account(user) : null;
    if (stopped) return;
    const home = who?.home && existsSync(who.home) ? who.home : asRoot ? '/' : os.homedir();
    const env: NodeJS.ProcessEnv = {
      PATH: overrides.get(user) ?? DEFAULT_PATH,
      HOME: home,
      USER: user,
      LOGNAME: user,
      SHELL: '/bin/sh',
    };
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: home,
      env,
      detached: true, // its own process group, for signals
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(who ? { uid: who.uid, gid: who.gid } : {}),
    });
    children.add(child);
    onSpawn(child);
    const channel = acceptExec();
    channel.on('error', () => undefined);
    let spawnError: Error | null = null;
    child.on('error', (e) => {
      spawnError = e;
      log(`error: exec failed: ${e.message}`);
    });
    child.stdin!.on('error', () => undefined);
    channel.pipe(child.stdin!);
    const forward = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void => {
      from.on('data', (chunk: Buffer) => {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    forward(child.stdout!, channel);
    forward(child.stderr!, channel.stderr);
    let channelClosed = false;
    channel.on('close', () => {
      channelClosed = true;
      // As sshd does: the pipes close; a command still writing gets SIGPIPE.
      child.stdout!.destroy();
      child.stderr!.destroy();
    });
    // 'close' follows 'error' too (a spawn that failed), with code -2 or null.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s])),
    );
    children.delete(child);
    if (channelClosed) return;
    // stderr may still hold data waiting for window space: let it go out first.
    await new Promise<void>((resolve) => channel.stderr.end(resolve));
    if (spawnError) channel.exit(127);
    else if (code !== null) channel.exit(code);
    else if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
    channel.end();
  }

  function onConnection(conn: Connection): void {
    let user = '';
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx: AuthContext) => {
      user = ctx.username;
      void onAuthentication(ctx);
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        const session = accept();
        let child: ChildProcess | undefined;
        session.on('signal', (acceptSignal, _reject, info) => {
          acceptSignal?.();
          const pid = child?.pid;
          if (pid === undefined) return;
          try {
            process.kill(-pid, `SIG${info.name}` as NodeJS.Signals);
          } catch {
            // Already gone.
          }
        });
        session.on('exec', (acceptExec, rejectExec, info) => {
          void run(info.command, user, acceptExec, (c) => (child = c)).catch((e: unknown) => {
            log(`error: ${(e as Error).message}`);
            rejectExec?.();
          });
        });
      });
    });
  }

  async function listen(): Promise<void> {
    server = await startSsh2TestServer({
      hostKey: hostKey.private,
      port,
      onConnection,
      onSocket(socket) {
        log(`Connection from 127.0.0.1 port ${socket.remotePort} on 127.0.0.1 port ${port}`);
      },
    });
    port = server.port;
    log(`Server listening on 127.0.0.1 port ${port}.`);
  }

  async function close(): Promise<void> {
    stopped = true;
    for (const child of children) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await server?.close();
    server = null;
  }

  let fingerprint = await writeHostKey();
  await listen();
  const sshd: TestSshd = {
    host: '127.0.0.1',
    port,
    username,
    privateKey: Buffer.from(clientKey.private),
    hostKeyFingerprint: fingerprint,
    dir,
    hostKeyPath,
    logPath,
    kind: 'fallback',
    logs: () => logText,
    async swapHostKey() {
      await close();
      stopped = false;
      hostKey = generateSshKeyPair('ed25519');
      fingerprint = await writeHostKey();
      sshd.hostKeyFingerprint = fingerprint;
      await listen();
      return fingerprint;
    },
    async stop() {
      await close();
      await writeFile(logPath, logText);
      if (process.env.HOSTSCAN_KEEP_SSHD_DIR !== '1')
        await rm(dir, { recursive: true, force: true });
    },
  };
  return sshd;
}
