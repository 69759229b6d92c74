import { Client } from 'ssh2';

import { ScanError, ScanErrorCode, toError } from '../domain/errors';
import type { HostKeyPolicy } from '../domain/settings';
import { cancelled } from './command-run';
import { normaliseFingerprint, sha256Fingerprint } from './fingerprint';
import { HARDENED_ALGORITHMS } from './ssh-algorithms';
import { planAuth } from './ssh-auth';
import type { HostKeyRejection } from './ssh-errors';
import { mapSsh2Error } from './ssh-errors';
import { ignoreError, SshTransport } from './ssh-transport';
import { openSocket } from './tcp-socket';
import type { HostTransport } from './transport';

export interface SshConnectOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /**
   * OpenSSH or PEM private key, offered with `publickey` only. A key ssh2
   * cannot parse fails with AUTH_FAILED.
   */
  privateKey?: string | Buffer;
  passphrase?: string;
  /**
   * Offered with `password`, then `keyboard-interactive`, where it answers
   * only prompts that ask for a password (see ssh-auth.ts); any other prompt
   * fails with AUTH_FAILED naming it.
   */
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

  const socket = await openSocket({
    host: options.host,
    port,
    timeoutMs: options.connectTimeoutMs ?? readyTimeoutMs,
    target,
    signal,
    noDelay: options.tcpNoDelay ?? true,
  });
  const expected =
    options.expectedHostKeyFingerprint != null
      ? normaliseFingerprint(options.expectedHostKeyFingerprint)
      : null;

  return new Promise<HostTransport>((resolve, reject) => {
    const client = new Client();
    let seenFingerprint: string | null = null;
    let rejection: HostKeyRejection | undefined;
    let settled = false;

    const auth = planAuth(options.username, options, (err) => fail(err));
    const onError = (err: Error): void => {
      const why = auth.failure();
      const level = (err as Error & { level?: unknown }).level;
      if (why !== null && level === 'client-authentication') {
        fail(
          new ScanError(
            ScanErrorCode.AUTH_FAILED,
            `authentication to ${target} as ${options.username} failed: ${why}`,
            { cause: err },
          ),
        );
        return;
      }
      fail(mapSsh2Error(err, target, rejection));
    };
    // An expired password: ssh2 waits for a new one, which a scanner never sets.
    const onPasswordChange = (): void =>
      fail(
        new ScanError(
          ScanErrorCode.AUTH_FAILED,
          `${target} requires a new password for ${options.username} before login`,
        ),
      );
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
      client.off('change password', onPasswordChange);
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
    client.on('change password', onPasswordChange);
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      client.connect({
        sock: socket,
        username: options.username,
        privateKey: options.privateKey,
        passphrase: options.passphrase,
        password: options.password,
        authHandler: auth.handler,
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

export type { HostKeyPolicy };
export { HARDENED_ALGORITHMS };
