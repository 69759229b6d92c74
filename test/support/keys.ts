import { utils } from 'ssh2';

/**
 * ssh2's `generateKeyPairSync` now and then returns an OpenSSH private key
 * that its own parser rejects ("Malformed OpenSSH private key"; seen in CI
 * here). Generate until the key parses, so tests never start on a bad key.
 */
export function generateSshKeyPair(type: 'ed25519' | 'rsa'): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair =
      type === 'rsa'
        ? utils.generateKeyPairSync('rsa', { bits: 2048 })
        : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error(`could not generate a parsable ${type} key`);
}
