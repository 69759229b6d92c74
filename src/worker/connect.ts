import { promises as fs } from 'node:fs';

import type pg from 'pg';

import type { WorkerConfig } from '../config';
import { ScanError, ScanErrorCode } from '../domain/errors';
import { Transport } from '../domain/states';
import type { HostRow, ScanRow } from '../queue/rows';
import * as sql from '../queue/sql';
import type { HostTransport } from '../transport';
import { connectSsh, createLocalTransport } from '../transport';

/**
 * Opens the transport a scan asks for. SSH authenticates with the worker's
 * default key (SSH_PRIVATE_KEY_PATH); the host key is checked against the
 * pinned fingerprint, and pinned on first contact under the `tofu` policy.
 */
export async function openTransport(
  pool: pg.Pool,
  scan: ScanRow,
  config: WorkerConfig,
  signal: AbortSignal,
): Promise<HostTransport> {
  const host = (await pool.query<HostRow>(sql.HOST_BY_ID, [scan.host_id])).rows[0];
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
  if (scan.credential_id !== null) {
    throw new ScanError(
      ScanErrorCode.AUTH_FAILED,
      'stored credentials are not supported by this version',
    );
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
  const transport = await connectSsh({
    host: host.hostname,
    port: host.port,
    username: scan.username ?? 'root',
    privateKey,
    passphrase: config.sshPrivateKeyPassphrase ?? undefined,
    readyTimeoutMs: config.connectTimeoutMs,
    expectedHostKeyFingerprint: host.host_key_fingerprint,
    hostKeyPolicy: config.hostKeyPolicy,
    signal,
  });
  if (host.host_key_fingerprint === null && transport.hostKeyFingerprint) {
    await pool.query(sql.PIN_HOST_KEY, [host.id, transport.hostKeyFingerprint]);
  }
  return transport;
}
