import { getCiphers } from 'node:crypto';
import net from 'node:net';

import type { Algorithms, CipherAlgorithm, ClientChannel } from 'ssh2';
import { Client } from 'ssh2';

import { ScanError, ScanErrorCode, toError } from '../domain/errors';
import { normaliseFingerprint, sha256Fingerprint } from './fingerprint';
import { OutputBuffer } from './output-buffer';
import { wrapRemoteCommand } from './shell';
import type { HostKeyRejection } from './ssh-errors';
import { mapSocketError, mapSsh2Error } from './ssh-errors';
import type { ExecOptions, ExecResult, HostTransport } from './transport';

export type HostKeyPolicy = 'tofu' | 'strict';

export interface SshConnectOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /** OpenSSH or PEM private key. A key ssh2 cannot parse fails with AUTH_FAILED. */
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  /** TCP connect deadline (DNS included). Default: readyTimeoutMs. CONNECTION_TIMEOUT past it. */
  connectTimeoutMs?: number;
  /** Handshake + authentication deadline after TCP connect. Default 10000. CONNECTION_TIMEOUT past it. */
  readyTimeoutMs?: number;
  /** SSH-level keepalive period. Default 5000; 0 disables it. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost. Default 3. */
  keepaliveCountMax?: number;
  /**
   * Pinned host key, OpenSSH `SHA256:<base64>` form (prefix and padding
   * optional). When given and different: HOST_KEY_MISMATCH, whatever the policy.
   */
  expectedHostKeyFingerprint?: string | null;
  /**
   * `tofu` accepts an unpinned key (the caller pins `hostKeyFingerprint`);
   * `strict` refuses it with HOST_KEY_UNKNOWN. Both checks run in the host
   * verifier, during key exchange, before any credential is sent.
   */
  hostKeyPolicy: HostKeyPolicy;
  /**
   * Aborting during connect rejects with CANCELLED. Once connected, aborting
   * closes the connection and running commands reject with CANCELLED.
   */
  signal?: AbortSignal;
  /**
   * TCP_NODELAY on the socket. Default true; false exists only so
   * `npm run bench` can show what it saves per command.
   */
  tcpNoDelay?: boolean;
}

const DEFAULT_PORT = 22;
const DEFAULT_READY_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
/** How long close() waits for the server to acknowledge before destroying the socket. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Allow-lists rather than ssh2's defaults minus a few names, so an ssh2
 * upgrade cannot quietly widen what we accept. Out: SHA-1 key exchange,
 * `ssh-rsa` (SHA-1) and DSA host keys, CBC/arcfour ciphers, SHA-1 and MD5
 * MACs, compression (nothing to gain on short text; zlib is attack surface).
 * Passing a custom offer makes ssh2 append `ext-info-c` and
 * `kex-strict-c-v00@openssh.com`, so strict KEX (Terrapin) is negotiated with
 * any server that supports it.
 */
export const HARDENED_ALGORITHMS: Algorithms = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: hardenedCiphers(),
  hmac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
  ],
  compress: ['none'],
};

/** ssh2 throws on a cipher the local OpenSSL lacks; chacha20 is the one that may be missing. */
function hardenedCiphers(): CipherAlgorithm[] {
  const list: CipherAlgorithm[] = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];
  if (getCiphers().includes('chacha20')) list.push('chacha20-poly1305@openssh.com');
  list.push('aes128-ctr', 'aes192-ctr', 'aes256-ctr');
  return list;
}

function cancelled(message: string): ScanError {
  return new ScanError(ScanErrorCode.CANCELLED, message);
}

/**
 * Opens the TCP connection ourselves: ssh2 would not set TCP_NODELAY, and
 * every exec channel would then stall ~40 ms on a delayed ACK (Nagle's
 * algorithm; `npm run bench` measures both, see docs/benchmarks.md).
 */
function openSocket(
  host: string,
  port: number,
  timeoutMs: number,
  target: string,
  signal: AbortSignal | undefined,
  noDelay: boolean,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(noDelay);
    const timer = setTimeout(() => {
      finish(
        new ScanError(
          ScanErrorCode.CONNECTION_TIMEOUT,
          `TCP connect to ${target} timed out after ${timeoutMs} ms`,
          { retryable: true },
        ),
      );
    }, timeoutMs);
    const onError = (err: Error): void => finish(mapSocketError(err, target));
    const onConnect = (): void => finish();
    const onAbort = (): void => finish(cancelled(`connect to ${target} cancelled`));

    function finish(err?: ScanError): void {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    }

    socket.on('error', onError);
    socket.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connects, verifies the host key and authenticates. Rejects with a ScanError:
 * DNS_FAILURE, CONNECTION_REFUSED, CONNECTION_TIMEOUT, HOST_KEY_MISMATCH,
 * HOST_KEY_UNKNOWN, AUTH_FAILED or CANCELLED.
 */
export async function connectSsh(options: SshConnectOptions): Promise<HostTransport> {
  const port = options.port ?? DEFAULT_PORT;
  const target = `${options.host}:${port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const { signal } = options;
  if (signal?.aborted) throw cancelled(`connect to ${target} cancelled`);

  const socket = await openSocket(
    options.host,
    port,
    options.connectTimeoutMs ?? readyTimeoutMs,
    target,
    signal,
    options.tcpNoDelay ?? true,
  );
  const expected =
    options.expectedHostKeyFingerprint != null
      ? normaliseFingerprint(options.expectedHostKeyFingerprint)
      : null;

  return new Promise<HostTransport>((resolve, reject) => {
    const client = new Client();
    let seenFingerprint: string | null = null;
    let rejection: HostKeyRejection | undefined;
    let settled = false;

    const onError = (err: Error): void => fail(mapSsh2Error(err, target, rejection));
    const onClose = (): void =>
      fail(
        new ScanError(
          ScanErrorCode.CONNECTION_TIMEOUT,
          `connection to ${target} closed during the SSH handshake`,
          { retryable: true },
        ),
      );
    const onAbort = (): void => fail(cancelled(`connect to ${target} cancelled`));
    const onReady = (): void => {
      if (settled) return;
      settled = true;
      detach();
      resolve(new SshTransport(client, socket, target, seenFingerprint, signal));
    };

    function detach(): void {
      client.off('error', onError);
      client.off('close', onClose);
      client.off('ready', onReady);
      signal?.removeEventListener('abort', onAbort);
    }

    function fail(err: ScanError): void {
      if (settled) return;
      settled = true;
      detach();
      // ssh2 may still emit (e.g. the socket error that follows our destroy);
      // an 'error' with no listener would crash the process.
      client.on('error', ignoreError);
      client.destroy();
      socket.destroy();
      reject(err);
    }

    client.on('error', onError);
    client.on('close', onClose);
    client.once('ready', onReady);
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      client.connect({
        sock: socket,
        username: options.username,
        privateKey: options.privateKey,
        passphrase: options.passphrase,
        password: options.password,
        readyTimeout: readyTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: options.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
        algorithms: HARDENED_ALGORITHMS,
        // Called during key exchange, before NEWKEYS: a refusal here ends the
        // connection before any userauth request (and credential) is sent.
        hostVerifier: (key: Buffer): boolean => {
          seenFingerprint = sha256Fingerprint(key);
          if (expected !== null && seenFingerprint !== expected) {
            rejection = 'mismatch';
            return false;
          }
          if (expected === null && options.hostKeyPolicy === 'strict') {
            rejection = 'unknown';
            return false;
          }
          return true;
        },
      });
    } catch (e) {
      // ssh2 throws synchronously for unusable credentials (unparseable key,
      // wrong passphrase) and bad option values.
      const err = toError(e);
      fail(
        new ScanError(ScanErrorCode.AUTH_FAILED, `cannot use the credentials: ${err.message}`, {
          cause: err,
        }),
      );
    }
  });
}

function ignoreError(): void {
  // Deliberately empty: see fail() in connectSsh and SshTransport.close().
}

class SshTransport implements HostTransport {
  private connected = true;
  private closedByUs = false;
  private closing: Promise<void> | undefined;
  /** Why the connection ended, when it was not us who ended it. */
  private lostError: ScanError | undefined;
  /** Reject functions of commands in flight, failed together when the connection drops. */
  private readonly running = new Set<(err: ScanError) => void>();

  constructor(
    private readonly client: Client,
    /** The TCP socket under `client`: see close(). */
    private readonly socket: net.Socket,
    private readonly target: string,
    readonly hostKeyFingerprint: string | null,
    private readonly signal: AbortSignal | undefined,
  ) {
    client.on('error', (err: Error) => {
      this.lostError ??= mapSsh2Error(err, target, undefined);
    });
    client.on('close', () => this.onConnectionClosed());
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => {
    void this.close();
  };

  private onConnectionClosed(): void {
    this.connected = false;
    this.signal?.removeEventListener('abort', this.onAbort);
    const err = this.connectionError();
    for (const fail of [...this.running]) fail(err);
  }

  /** The error a command gets when the connection is gone. */
  private connectionError(): ScanError {
    if (this.closedByUs) return cancelled(`connection to ${this.target} closed by the scanner`);
    return (
      this.lostError ??
      new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `connection to ${this.target} lost`, {
        retryable: true,
      })
    );
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const { timeoutMs, maxBytes, signal } = options;
    if (!this.connected || this.closedByUs) return Promise.reject(this.connectionError());
    if (signal?.aborted) return Promise.reject(cancelled('command cancelled before it started'));
    const started = performance.now();

    return new Promise<ExecResult>((resolve, reject) => {
      const output = new OutputBuffer(maxBytes);
      let channel: ClientChannel | undefined;
      let exitCode: number | null = null;
      let settled = false;

      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(fail);
      };
      const succeed = (): void => {
        if (settled) return;
        cleanup();
        const { stdout, stderr } = output.text();
        resolve({ stdout, stderr, exitCode, durationMs: performance.now() - started });
      };
      const fail = (err: ScanError): void => {
        if (settled) return;
        cleanup();
        if (channel) stopChannel(channel);
        reject(err);
      };
      const onAbort = (): void => fail(cancelled(`command on ${this.target} cancelled`));
      const timer = setTimeout(() => {
        fail(
          new ScanError(
            ScanErrorCode.COMMAND_TIMEOUT,
            `command on ${this.target} did not finish within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.running.add(fail);

      const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (settled) return;
        if (!output.push(stream, chunk)) {
          fail(
            new ScanError(
              ScanErrorCode.OUTPUT_LIMIT,
              `command on ${this.target} wrote more than ${maxBytes} bytes`,
            ),
          );
        }
      };

      try {
        this.client.exec(wrapRemoteCommand(command, timeoutMs), (err, ch) => {
          if (err) {
            fail(this.channelOpenError(err));
            return;
          }
          if (settled) {
            // Timed out or cancelled while the server was opening the channel.
            stopChannel(ch);
            return;
          }
          channel = ch;
          ch.on('data', onData('stdout'));
          ch.stderr.on('data', onData('stderr'));
          ch.on('exit', (code: number | null) => {
            exitCode = typeof code === 'number' ? code : null;
          });
          ch.on('close', () => {
            if (settled) return;
            // ssh2 closes every open channel when the connection drops: that
            // is a lost connection, not a command that ended.
            if (!this.connected) {
              fail(this.connectionError());
              return;
            }
            // stdout has ended by now (ssh2 waits for it); stderr may still
            // hold a buffered chunk.
            if (ch.stderr.readableEnded) succeed();
            else ch.stderr.once('end', succeed);
          });
        });
      } catch (e) {
        // ssh2 throws "Not connected" synchronously when the socket just went away.
        const err = toError(e);
        fail(
          new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `${this.target}: ${err.message}`, {
            cause: err,
            retryable: true,
          }),
        );
      }
    });
  }

  private channelOpenError(e: unknown): ScanError {
    const err = toError(e);
    if (!this.connected) return this.connectionError();
    // Typically the server's MaxSessions limit: a later attempt may succeed.
    return new ScanError(
      ScanErrorCode.COMMAND_FAILED,
      `cannot open an exec channel on ${this.target}: ${err.message}`,
      { cause: err, retryable: true },
    );
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closedByUs = true;
      this.signal?.removeEventListener('abort', this.onAbort);
      if (!this.connected) {
        resolve();
        return;
      }
      // A server that never acknowledges the disconnect must not hold close().
      // Destroy the socket itself: ssh2's client.destroy() does nothing once
      // end() has half-closed the socket (it checks that the socket is still
      // writable), so a peer that never reads our FIN held close() forever.
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.on('error', ignoreError);
      this.client.end();
    });
    return this.closing;
  }
}

/**
 * Asks the server to TERM the command, then closes the channel. Without a pty
 * OpenSSH does not kill a command whose channel closes; TERM reaches coreutils
 * `timeout`, which passes it on to the command's process group. The remote
 * `timeout -s KILL` is the backstop where signals are not supported.
 */
function stopChannel(channel: ClientChannel): void {
  try {
    channel.signal('TERM');
  } catch {
    // The channel may already be closing; the close below is what matters.
  }
  channel.close();
}
