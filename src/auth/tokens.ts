import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Tokens look like `hsk_<43 base64url chars>`: 256 random bits, recognisable in leak scanners. */
export function generateToken(): string {
  return `hsk_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are random, so an unsalted SHA-256 is enough to make the stored value useless. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Reads `Bearer <token>` (case-insensitive scheme); null when absent or malformed. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return m ? m[1]! : null;
}
