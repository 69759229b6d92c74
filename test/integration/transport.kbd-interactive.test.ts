/**
 * Passwords through keyboard-interactive (issue case 3). A real OpenSSH sshd
 * that checks passwords only through PAM (`UsePAM yes`,
 * `KbdInteractiveAuthentication yes`, `PasswordAuthentication no`) must let a
 * password login in by its "Password: " prompt; an ssh2 server that asks
 * anything else must get no answer, and the error must name its prompt and
 * never the secret.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import type { Connection, Prompt } from 'ssh2';

import { ScanErrorCode } from '../../src/domain/errors';
import type { HostTransport, SshConnectOptions } from '../../src/transport';
import { connectSsh } from '../../src/transport';
import { generateSshKeyPair } from '../support/keys';
import { type Ssh2TestServer, startSsh2TestServer } from '../support/ssh2-test-server';
import { startSshd, type TestSshd, usingFallbackSshd } from '../support/sshd';
import { rejection } from '../support/transport';
import { ensureUser } from '../support/users';

jest.setTimeout(30_000);

const LIMITS = { timeoutMs: 10_000, maxBytes: 64 * 1024 };
const PAM_USER = 'hostscan-kbd';
const SECRET = `kbd-secret-${randomBytes(6).toString('hex')}`;

const opened: HostTransport[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close().catch(() => undefined)));
});

async function connect(options: SshConnectOptions): Promise<HostTransport> {
  const transport = await connectSsh(options);
  opened.push(transport);
  return transport;
}

describe('OpenSSH with PAM keyboard-interactive only', () => {
  let sshd: TestSshd | undefined;
  let skip: string | null = null;

  beforeAll(async () => {
    if (usingFallbackSshd()) skip = 'the stand-in SSH server has no PAM';
    else if (!(await ensureUser(PAM_USER))) skip = 'creating the password login needs root';
    if (skip !== null) return;
    execFileSync('chpasswd', { input: `${PAM_USER}:${SECRET}\n` });
    sshd = await startSshd({
      overrides: {
        UsePAM: 'yes',
        KbdInteractiveAuthentication: 'yes',
        PasswordAuthentication: 'no',
        PubkeyAuthentication: 'no',
      },
    });
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  function options(password: string): SshConnectOptions {
    return {
      host: sshd!.host,
      port: sshd!.port,
      username: PAM_USER,
      password,
      hostKeyPolicy: 'tofu',
    };
  }

  it('logs in by answering the PAM password prompt with the stored password', async () => {
    if (skip !== null) return void process.stdout.write(`[kbd] skipped: ${skip}\n`);
    const transport = await connect(options(SECRET));
    const result = await transport.exec('id -un', LIMITS);
    expect(result.stdout.trim()).toBe(PAM_USER);
    // The login went through keyboard-interactive/pam, not plain password.
    await new Promise((r) => setTimeout(r, 200));
    expect(sshd!.logs()).toMatch(
      new RegExp(`Accepted keyboard-interactive/pam for ${PAM_USER} from 127\\.0\\.0\\.1`),
    );
  });

  it('fails AUTH_FAILED with a wrong password, naming the methods and not the secret', async () => {
    if (skip !== null) return void process.stdout.write(`[kbd] skipped: ${skip}\n`);
    const wrong = `wrong-${SECRET}`;
    const err = await rejection(connect(options(wrong)));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(
      /tried password, keyboard-interactive; the server offers keyboard-interactive;/,
    );
    expect(err.message).not.toContain(SECRET);
  });
});

describe('an ssh2 server that asks keyboard-interactive questions', () => {
  let server: Ssh2TestServer;
  /** What the server asks, per test. */
  let ask: Prompt[][] = [];
  /** Every answer the server received, and every password-method attempt. */
  const received: string[] = [];

  beforeAll(async () => {
    const hostKey = generateSshKeyPair('ed25519').private;
    server = await startSsh2TestServer({
      hostKey,
      onConnection(conn: Connection) {
        conn.on('error', () => undefined);
        conn.on('authentication', (ctx) => {
          if (ctx.method === 'password') {
            received.push(`password:${ctx.password}`);
            return ctx.reject(['keyboard-interactive']);
          }
          if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
          const rounds = [...ask];
          const next = (): void => {
            const prompts = rounds.shift();
            if (!prompts) return ctx.accept();
            ctx.prompt(prompts, (answers) => {
              received.push(...answers.map((a) => `answer:${a}`));
              if (answers.every((a) => a === SECRET)) next();
              else ctx.reject();
            });
          };
          next();
        });
        conn.on('ready', () => undefined);
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  function options(): SshConnectOptions {
    return {
      host: '127.0.0.1',
      port: server.port,
      username: 'scan',
      password: SECRET,
      hostKeyPolicy: 'tofu',
    };
  }

  it('tries password first, then answers "user@host\'s password:"', async () => {
    ask = [[{ prompt: "scan@127.0.0.1's password: ", echo: false }]];
    await connect(options());
    expect(received).toEqual([`password:${SECRET}`, `answer:${SECRET}`]);
  });

  it('refuses a "Verification code: " prompt: AUTH_FAILED naming it, no answer sent', async () => {
    ask = [[{ prompt: 'Verification code: ', echo: false }]];
    const err = await rejection(connect(options()));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.message).toContain('"Verification code: "');
    expect(err.message).not.toContain(SECRET);
    expect(received.filter((r) => r.startsWith('answer:'))).toEqual([]);
  });

  it('refuses a password prompt followed by a one-time code', async () => {
    ask = [[{ prompt: 'Password: ', echo: false }], [{ prompt: 'OTP: ', echo: false }]];
    const err = await rejection(connect(options()));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.message).toContain('"OTP: "');
    expect(received.filter((r) => r.startsWith('answer:'))).toEqual([`answer:${SECRET}`]);
  });

  it('refuses prompts that echo, ask for a new password or ask twice', async () => {
    for (const prompts of [
      [[{ prompt: 'Password: ', echo: true }]],
      [[{ prompt: 'New password: ', echo: false }]],
      [[{ prompt: 'Password: ', echo: false }], [{ prompt: 'Password: ', echo: false }]],
    ]) {
      ask = prompts;
      const err = await rejection(connect(options()));
      expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
      expect(err.message).toMatch(/keyboard-interactive prompt "(New )?[Pp]assword: "/);
    }
  });

  it('never puts the secret in the message, even when the prompt repeats it', async () => {
    // The server saw the password in the `password` attempt; it can echo it back.
    ask = [[{ prompt: `Code sent for ${SECRET}: `, echo: false }]];
    const err = await rejection(connect(options()));
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.message).toContain('"Code sent for [secret]: "');
    expect(err.message).not.toContain(SECRET);
  });

  it('offers a key credential with publickey only, and says what the server offers', async () => {
    ask = [];
    const err = await rejection(
      connect({
        ...options(),
        password: undefined,
        privateKey: generateSshKeyPair('ed25519').private,
      }),
    );
    expect(err.code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(err.message).toMatch(/tried publickey; the server offers keyboard-interactive/);
    expect(received).toEqual([]);
  });
});
