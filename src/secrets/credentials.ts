import type pg from 'pg';

import { credentialAad, type Vault } from './vault';

/** The sealed part of a stored credential, as JSON inside the vault's envelope. */
export interface CredentialSecret {
  privateKey?: string;
  passphrase?: string;
  password?: string;
}

/** A credential opened for a login: the user to log in as and its secret. */
export interface OpenedCredential {
  username: string;
  secret: CredentialSecret;
}

/**
 * Opens a credential for a worker about to connect: null when no credential
 * has this id. Throws when the vault cannot open it (another master key, or a
 * tampered row: AES-GCM authentication fails).
 */
export async function openCredential(
  pgPool: pg.Pool,
  vault: Vault,
  id: string,
): Promise<OpenedCredential | null> {
  const res = await pgPool.query<{ username: string; secret: Buffer }>(
    `select username, secret from credentials where id = $1`,
    [id],
  );
  const row = res.rows[0];
  if (!row) return null;
  const plain = vault.decrypt(row.secret, credentialAad(id));
  return { username: row.username, secret: JSON.parse(plain.toString('utf8')) as CredentialSecret };
}
