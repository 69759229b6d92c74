/**
 * Free text a probe reads as bytes (a process's /proc/PID/cmdline through
 * `od -An -v -tx1`), turned into text here: under LC_ALL=C the tools that
 * print such text themselves replace every non-ASCII byte with `?`.
 */

/** Length of the UTF-8 sequence starting at `i`, or 0 when it is not a valid one. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  const cont = (k: number) => {
    const b = bytes[i + k];
    return b !== undefined && (b & 0xc0) === 0x80;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  const b1 = bytes[i + 1] ?? 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlong forms (E0 80..9F) and no UTF-16 surrogates (ED A0..BF).
    if ((b0 === 0xe0 && b1 < 0xa0) || (b0 === 0xed && b1 > 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * UTF-8 bytes as text; each byte that is not part of a valid sequence becomes
 * the four characters `\xNN` (lower-case hex), as the probe runner does for
 * command output, so invalid bytes stay visible and distinct.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += `\\x${(bytes[i] ?? 0).toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

/** Bytes from the space-separated two-digit hex tokens of `od -An -v -tx1`; null on any other token. */
export function bytesFromHex(tokens: readonly string[]): Uint8Array | null {
  const out = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i] ?? '';
    if (!/^[0-9a-f]{2}$/i.test(t)) return null;
    out[i] = parseInt(t, 16);
  }
  return out;
}

/**
 * A process's command line from the bytes of /proc/PID/cmdline: arguments
 * are NUL-separated (and usually NUL-terminated) and are joined with spaces,
 * as `ps args` shows them. A process that rewrote its argv (postgres, nginx)
 * leaves padding NULs or spaces, which are trimmed. When the read was capped
 * at `max` bytes and the file was longer, the text ends with `…`, after the
 * last whole character.
 */
export function commandFromCmdline(bytes: Uint8Array, max: number): string {
  let view = bytes;
  let cut = false;
  if (view.length > max) {
    view = view.subarray(0, max);
    cut = true;
    // Do not split a character: drop a last sequence the cap cut short.
    let lead = view.length - 1;
    while (lead > 0 && ((view[lead] ?? 0) & 0xc0) === 0x80) lead -= 1;
    if (sequenceLength(bytes, lead) > view.length - lead) view = view.subarray(0, lead);
  }
  const spaced = Uint8Array.from(view, (b) => (b === 0 ? 0x20 : b));
  const text = decodeUtf8(spaced).replace(/ +$/, '');
  return cut ? `${text}…` : text;
}
