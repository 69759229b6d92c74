/**
 * Free text a probe reads as bytes (a process's /proc/PID/cmdline through
 * `od -An -v -tx1`), turned into text here: under LC_ALL=C the tools that
 * print such text themselves replace every non-ASCII byte with `?`.
 */
import { decodeUtf8, utf8SequenceLength } from '../util/utf8';

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
    if (utf8SequenceLength(bytes, lead) > view.length - lead) view = view.subarray(0, lead);
  }
  const spaced = Uint8Array.from(view, (b) => (b === 0 ? 0x20 : b));
  const text = decodeUtf8(spaced).replace(/ +$/, '');
  return cut ? `${text}…` : text;
}
