import net from 'node:net';

/**
 * The canonical text of an IP address literal, or null when `text` is not
 * one. Several spellings of one address must key one host:
 *
 * - IPv6 (any RFC 4291 form) becomes its RFC 5952 text: lower-case hex,
 *   no leading zeros, the first longest run of two or more zero groups
 *   written `::`. So `::1`, `0:0:0:0:0:0:0:1` and `0000::0001` are all `::1`.
 *   Square brackets (`[::1]`, as in URLs) are accepted and dropped. A zone
 *   (`fe80::1%eth0`) is kept as typed: interface names are case-sensitive.
 * - An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) becomes the IPv4
 *   address: a connection to it reaches that IPv4 host.
 * - IPv4 is accepted only as four decimal numbers without leading zeros,
 *   which is already canonical. `010.0.0.1`, `127.1` and `0x7f.0.0.1` are
 *   refused (null here, then "not a host name" to the caller): inet_aton
 *   reads `010` as octal 8 where other parsers read decimal 10, so such a
 *   text names no single address.
 */
export function canonicalIp(text: string): string | null {
  const bracketed = /^\[(.*)\]$/.exec(text);
  const v = bracketed ? bracketed[1]! : text;
  const family = net.isIP(v);
  if (family === 4 && !bracketed) return v;
  if (family !== 6) return null;
  const zoneAt = v.indexOf('%');
  const zone = zoneAt === -1 ? '' : v.slice(zoneAt);
  const groups = ipv6Groups(zoneAt === -1 ? v : v.slice(0, zoneAt));
  if (zone === '' && groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return formatIpv6(groups) + zone;
}

/** The eight 16-bit groups of an address `net.isIPv6` accepted (no zone). */
function ipv6Groups(address: string): number[] {
  let text = address;
  // A trailing dotted IPv4 part is the last two groups: rewrite it in hex.
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const gap = text.indexOf('::');
  if (gap === -1) return parse(text);
  const head = parse(text.slice(0, gap));
  const rest = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

/** RFC 5952 section 4 text of eight groups. */
function formatIpv6(groups: number[]): string {
  let bestAt = -1;
  let bestLen = 1; // a single zero group is never shortened (4.2.2)
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    // Strictly longer: on a tie the first run wins (4.2.3).
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt === -1) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}
