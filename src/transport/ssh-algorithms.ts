import { getCiphers } from 'node:crypto';

import type { Algorithms, CipherAlgorithm } from 'ssh2';

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
