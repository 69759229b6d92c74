import { promises as fs } from 'node:fs';

import type pg from 'pg';

import type { WorkerConfig } from '../config';
import { isDatabaseConnectionError } from '../db/pg-errors';
import { ScanError, ScanErrorCode } from '../domain/errors';
import { Transport } from '../domain/states';
import type { HostRow, ScanRow } from '../queue/rows';
import * as sql from '../queue/sql';
import { openCredential, type OpenedCredential } from '../secrets/credentials';
import { parseMasterKey, Vault } from '../secrets/vault';
import type { HostTransport } from '../transport';
import { connectSsh, createLocalTransport } from '../transport';

/** Runs one database read or write, retrying it through a database outage (Lease.retrying). */
export type DbRetry = <T>(fn: () => Promise<T>) => Promise<T>;

const once: DbRetry = (fn) => fn();

/**
 * Opens the transport a scan asks for. SSH authenticates with the worker's
 * default key (SSH_PRIVATE_KEY_PATH); the host key is checked against the
 * pinned fingerprint, and pinned on first contact under the `tofu` policy.
 * Database errors are never turned into a scan error: they reach the caller
 * as they are (or as DatabaseUnavailableError from `retry`).
 */
export async function openTransport(
  pgPool: pg.Pool,
  scan: ScanRow,
  config: WorkerConfig,
  signal: AbortSignal,
  retry: DbRetry = once,
  /** The host as the claim read it; read here when null. */
  claimedHost: HostRow | null = null,
): Promise<HostTransport> {
  const host =
    claimedHost ??
    (await retry(() => pgPool.query<HostRow>(sql.HOST_BY_ID, [scan.host_id]))).rows[0];
  if (!host)
    throw new ScanError(ScanErrorCode.INTERNAL, `host ${scan.host_id} of scan ${scan.id} is gone`);
  if (scan.transport === Transport.LOCAL) {
    if (host.hostname !== config.hostname) {
      throw new ScanError(
        ScanErrorCode.INTERNAL,
        `LOCAL scan of ${host.hostname} was claimed by a worker on ${config.hostname}`,
      );
    }
    return createLocalTransport();
  }
  const login = await resolveLogin(pgPool, scan, config, retry);
  return pinOnFirstContact(
    pgPool,
    retry,
    host,
    await connectSsh({ ...sshOptions(host, config, signal), ...login }),
  );
}

/** Who to log in as and with what secret. */
interface SshLogin {
  username: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
}

/**
 * The scan's stored credential when it names one, else the worker's default
 * key (SSH_PRIVATE_KEY_PATH); the scan's username wins over the
 * credential's, and root is the default's user. AUTH_FAILED when neither is
 * usable.
 */
async function resolveLogin(
  pgPool: pg.Pool,
  scan: ScanRow,
  config: WorkerConfig,
  retry: DbRetry,
): Promise<SshLogin> {
  if (scan.credential_id !== null) {
    const login = await loadCredential(pgPool, config, scan.credential_id, retry);
    return {
      username: scan.username ?? login.username,
      privateKey: login.secret.privateKey,
      passphrase: login.secret.passphrase,
      password: login.secret.password,
    };
  }
  if (!config.sshPrivateKeyPath) {
    throw new ScanError(
      ScanErrorCode.AUTH_FAILED,
      'the target names no credential and this worker has no SSH_PRIVATE_KEY_PATH',
    );
  }
  const privateKey = await fs.readFile(config.sshPrivateKeyPath).catch((e: unknown) => {
    throw new ScanError(ScanErrorCode.AUTH_FAILED, `cannot read SSH_PRIVATE_KEY_PATH`, {
      cause: e,
    });
  });
  return {
    username: scan.username ?? 'root',
    privateKey,
    passphrase: config.sshPrivateKeyPassphrase ?? undefined,
  };
}

function sshOptions(host: HostRow, config: WorkerConfig, signal: AbortSignal) {
  return {
    host: host.hostname,
    port: host.port,
    readyTimeoutMs: config.connectTimeoutMs,
    expectedHostKeyFingerprint: host.host_key_fingerprint,
    hostKeyPolicy: config.hostKeyPolicy,
    signal,
  };
}

/**
 * TOFU: the first key seen is pinned; later scans must present it. `host` is
 * the row as read before connecting. Exported for tests.
 */
export async function pinOnFirstContact(
  pgPool: pg.Pool,
  retry: DbRetry,
  host: HostRow,
  transport: HostTransport,
): Promise<HostTransport> {
  if (host.host_key_fingerprint === null && transport.hostKeyFingerprint) {
    const fingerprint = transport.hostKeyFingerprint;
    try {
      const pinned = await retry(() => pgPool.query(sql.PIN_HOST_KEY, [host.id, fingerprint]));
      if (pinned.rowCount === 0) {
        // Another scan (or trustHostKey) pinned a key first: ours must match it.
        const now = await retry(() => pgPool.query<HostRow>(sql.HOST_BY_ID, [host.id]));
        const other = now.rows[0]?.host_key_fingerprint ?? null;
        if (other !== null && other !== fingerprint) {
          throw new ScanError(
            ScanErrorCode.HOST_KEY_MISMATCH,
            `host key ${fingerprint} differs from the key pinned meanwhile (${other})`,
          );
        }
      }
    } catch (e) {
      // Nobody else will close it.
      await transport.close().catch(() => undefined);
      throw e;
    }
  }
  return transport;
}

async function loadCredential(
  pgPool: pg.Pool,
  config: WorkerConfig,
  id: string,
  retry: DbRetry,
): Promise<OpenedCredential> {
  if (!config.secretKey) {
    throw new ScanError(
      ScanErrorCode.AUTH_FAILED,
      'the scan names a stored credential but this worker has no SECRET_KEY',
    );
  }
  let login;
  try {
    const vault = new Vault(parseMasterKey(config.secretKey));
    login = await retry(() => openCredential(pgPool, vault, id));
  } catch (e) {
    // An unreachable database says nothing about the credential.
    if (isDatabaseConnectionError(e)) throw e;
    // A wrong SECRET_KEY or a tampered row: never retried, never logged in detail.
    throw new ScanError(
      ScanErrorCode.AUTH_FAILED,
      "the stored credential cannot be decrypted with this worker's SECRET_KEY",
      { cause: e },
    );
  }
  if (!login) throw new ScanError(ScanErrorCode.AUTH_FAILED, `credential ${id} no longer exists`);
  return login;
}
