const strict = new TextDecoder('utf-8', { fatal: true });

/** Length of the UTF-8 sequence at `i` if it is well-formed (RFC 3629), else 0. */
export function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 > 0x9f) return 0; // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xf0 && c1 < 0x90) return 0; // overlong
    if (c === 0xf4 && c1 > 0x8f) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/**
 * Decodes bytes as UTF-8, writing each byte that is not part of a well-formed
 * sequence as the four characters `\xNN` (lower-case hex) instead of U+FFFD,
 * so a file name or argument in another encoding stays recognisable and no two
 * different invalid inputs look alike. Valid text, including a literal
 * backslash, is returned unchanged: `\x` in the output is an escape only where
 * the input was not UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Fall through: mixed or foreign encodings are rare, so the slow path is fine.
  }
  let out = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = utf8SequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += strict.decode(bytes.subarray(start, i));
    out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
    i += 1;
    start = i;
  }
  return out + strict.decode(bytes.subarray(start, i));
}
