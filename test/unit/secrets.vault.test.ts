import { randomBytes } from 'node:crypto';

import {
  credentialAad,
  generateMasterKey,
  parseMasterKey,
  Vault,
  VaultError,
} from '../../src/secrets/vault';

const vault = new Vault(parseMasterKey(generateMasterKey()));

describe('Vault', () => {
  it('round-trips a secret for the same row', () => {
    const sealed = vault.encrypt('hunter2', credentialAad('a'));
    expect(vault.decrypt(sealed, credentialAad('a')).toString()).toBe('hunter2');
  });

  it('uses a fresh IV for every secret, so equal secrets seal differently', () => {
    const a = vault.encrypt('same', credentialAad('a'));
    const b = vault.encrypt('same', credentialAad('a'));
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
  });

  it('refuses a ciphertext moved to another row', () => {
    const sealed = vault.encrypt('secret', credentialAad('row-1'));
    expect(() => vault.decrypt(sealed, credentialAad('row-2'))).toThrow(VaultError);
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = vault.encrypt('secret', credentialAad('a'));
    sealed[sealed.length - 1]! ^= 1;
    expect(() => vault.decrypt(sealed, credentialAad('a'))).toThrow(VaultError);
  });

  it('refuses the wrong master key', () => {
    const sealed = vault.encrypt('secret', credentialAad('a'));
    const other = new Vault(randomBytes(32));
    expect(() => other.decrypt(sealed, credentialAad('a'))).toThrow(VaultError);
  });

  it('never holds the plaintext in the sealed bytes', () => {
    const sealed = vault.encrypt('canary-3f9a1c', credentialAad('a'));
    expect(sealed.toString('latin1')).not.toContain('canary');
  });

  it('accepts 32-byte keys as hex or base64 and refuses others', () => {
    expect(parseMasterKey('00'.repeat(32))).toHaveLength(32);
    expect(parseMasterKey(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(() => parseMasterKey('too-short')).toThrow(/32 bytes/);
  });
});
