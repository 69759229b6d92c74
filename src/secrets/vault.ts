import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest. Each secret gets a fresh 96-bit IV; the
 * stored value is `version | iv | tag | ciphertext`. The additional
 * authenticated data binds a ciphertext to its row (`credential:<id>`), so a
 * ciphertext copied onto another row does not decrypt.
 */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class VaultError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
  }
}

/** Parses SECRET_KEY: 32 bytes as 64 hex characters or base64 (44 characters). */
export function parseMasterKey(value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32)
    throw new VaultError('SECRET_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export class Vault {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new VaultError('the master key must be 32 bytes');
    this.key = Buffer.from(masterKey);
  }

  encrypt(plaintext: Buffer | string, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer, aad: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new VaultError('not a sealed secret of a known version');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const body = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch (e) {
      // Wrong key, tampering, or a ciphertext moved to another row.
      throw new VaultError('secret does not decrypt with this key for this row', { cause: e });
    }
  }
}

export const credentialAad = (id: string): string => `credential:${id}`;
