import { createHash } from 'node:crypto';

/** OpenSSH's `SHA256:<base64 without padding>` form of a public key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Canonical form for comparison: operators paste fingerprints with or without
 * the `SHA256:` prefix and with or without base64 padding.
 */
export function normaliseFingerprint(fingerprint: string): string {
  const bare = fingerprint
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  return `SHA256:${bare}`;
}
