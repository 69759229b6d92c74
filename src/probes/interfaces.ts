import type { InterfaceAddress, InterfaceInfo } from '../domain/result';
import { parseIpJson } from './interfaces-json';
import type { Section } from './output';
import { outputLines, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'interfaces';

/**
 * sysfs is printed always: BusyBox `ip link` has no "state" word, so operstate
 * comes from there. `ip -j addr show` (iproute2 4.13+) gives links and
 * addresses as JSON; `ip -o` (one line per record, text form) is for BusyBox
 * and older iproute2, which have no -j; without ip, /proc/net/if_inet6 still
 * gives the IPv6 addresses (IPv4 has no such table, so that fallback lists none).
 */
const COMMAND = [
  'echo "@@sysfs"',
  'for d in /sys/class/net/*; do',
  '  [ -d "$d" ] || continue',
  '  a=; m=; s=',
  '  read -r a 2>/dev/null <"$d/address"',
  '  read -r m 2>/dev/null <"$d/mtu"',
  '  read -r s 2>/dev/null <"$d/operstate"',
  '  echo "${d##*/} ${a:--} ${m:--} ${s:--}"',
  'done',
  'if j=$(ip -j addr show 2>/dev/null) && [ -n "$j" ]; then',
  '  echo "@@ip-json"; printf \'%s\\n\' "$j"',
  'elif command -v ip >/dev/null 2>&1; then',
  '  echo "@@ip-link"; ip -o link show',
  '  echo "@@ip-addr"; ip -o addr show',
  'elif [ -r /proc/net/if_inet6 ]; then',
  '  echo "@@if-inet6"; cat /proc/net/if_inet6',
  'fi',
].join('\n');

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}$/i;

function macOrNull(text: string | undefined): string | null {
  return text !== undefined && MAC.test(text) ? text.toLowerCase() : null;
}

function intOrNull(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** RFC 5952 text for the 32 hex digits of /proc/net/if_inet6. */
export function formatIpv6(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((g) => parseInt(g, 16).toString(16));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (groups[j] === '0') j += 1;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.len).join(':');
  return `${head}::${tail}`;
}

type Fail = (message: string) => Error;

function newInterface(name: string): InterfaceInfo {
  return { name, mac: null, mtu: null, state: 'UNKNOWN', addresses: [] };
}

/** `3: eth0.100@eth0: <FLAGS> mtu 1500 ... state UP ...\    link/ether aa:bb:...` */
function applyIpLink(section: Section, byName: Map<string, InterfaceInfo>, fail: Fail): void {
  for (const line of section.lines) {
    const m = /^\d+:\s+([^\s:@]+)(?:@\S*?)?:\s+<([^>]*)>(.*)$/.exec(line);
    if (!m?.[1]) throw fail(`unexpected ip link line "${line.slice(0, 80)}"`);
    // An alias is free text at the end of the line: fields are never read from it.
    const rest = (m[3] ?? '').split('\\    alias ')[0] ?? '';
    const iface = byName.get(m[1]) ?? newInterface(m[1]);
    byName.set(m[1], iface);
    iface.mtu = intOrNull(/\bmtu (\d+)/.exec(rest)?.[1]) ?? iface.mtu;
    iface.mac = macOrNull(/link\/\S+ (\S+)/.exec(rest)?.[1]) ?? iface.mac;
    const state = /\bstate (\S+)/.exec(rest)?.[1];
    if (state) iface.state = state;
  }
}

/**
 * `2: eth0    inet 10.0.0.5/24 brd ... scope global eth0\ ...`. A point-to-point
 * address reads `inet 10.0.0.1 peer 10.0.0.2/32`: the prefix is the peer's.
 */
function applyIpAddr(section: Section, byName: Map<string, InterfaceInfo>, fail: Fail): void {
  for (const line of section.lines) {
    const m = /^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)(.*)$/.exec(line);
    if (!m?.[1] || !m[3]) {
      if (/^\d+:\s+\S+\s+(link|dev)\b/.test(line)) continue;
      throw fail(`unexpected ip addr line "${line.slice(0, 80)}"`);
    }
    const family = m[2] === 'inet6' ? 'IPV6' : 'IPV4';
    const [address = '', own] = m[3].split('/');
    const peer = /\bpeer \S+?\/(\d+)/.exec(m[4] ?? '')?.[1];
    const prefixLength = Number(own ?? peer ?? (family === 'IPV6' ? 128 : 32));
    if (!address || !Number.isInteger(prefixLength))
      throw fail(`bad address in "${line.slice(0, 80)}"`);
    const name = m[1].split('@')[0] ?? m[1];
    const iface = byName.get(name) ?? newInterface(name);
    byName.set(name, iface);
    iface.addresses.push({ address, family, prefixLength });
  }
}

/** `fe800000000000000000000000000001 02 40 20 80 eth0`: address, index, prefix (hex), scope, flags, name. */
function applyIfInet6(section: Section, byName: Map<string, InterfaceInfo>, fail: Fail): void {
  for (const line of section.lines) {
    const [hex, , prefix, , , name] = line.trim().split(/\s+/);
    if (!hex || !/^[0-9a-f]{32}$/i.test(hex) || !prefix || !name) {
      throw fail(`unexpected if_inet6 line "${line.slice(0, 80)}"`);
    }
    const iface = byName.get(name) ?? newInterface(name);
    byName.set(name, iface);
    const address: InterfaceAddress = {
      address: formatIpv6(hex.toLowerCase()),
      family: 'IPV6',
      prefixLength: parseInt(prefix, 16),
    };
    iface.addresses.push(address);
  }
}

export const interfacesProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const found = sections(outputLines(NAME, output, { complete: true }));
    const fail: Fail = (message) => unusable(NAME, message, output);
    const get = (name: string) => found.find((s) => s.name === name);
    if (!get('sysfs')) throw fail('no sysfs marker');
    const json = get('ip-json');
    if (json) {
      const interfaces = parseIpJson(json.lines, fail);
      if (interfaces.length === 0) throw fail('no network interfaces listed');
      return { interfaces };
    }

    // sysfs first gives the fallback values, ip (when present) overrides and orders.
    const sysfs = new Map<string, InterfaceInfo>();
    for (const line of get('sysfs')?.lines ?? []) {
      const [name, mac, mtu, state] = line.trim().split(/\s+/);
      if (!name || state === undefined) throw fail(`unexpected sysfs line "${line.slice(0, 80)}"`);
      sysfs.set(name, {
        name,
        mac: macOrNull(mac),
        mtu: intOrNull(mtu),
        state: state === '-' ? 'UNKNOWN' : state.toUpperCase(),
        addresses: [],
      });
    }
    // An ip that printed no links (no netlink access, a broken build) is no better than none.
    const ipLink = get('ip-link');
    const link = ipLink && ipLink.lines.length > 0 ? ipLink : undefined;
    const byName = link ? new Map<string, InterfaceInfo>() : sysfs;
    if (link) {
      for (const line of link.lines) {
        const name = /^\d+:\s+([^\s:@]+)/.exec(line)?.[1];
        const known = name === undefined ? undefined : sysfs.get(name);
        if (name && known) byName.set(name, { ...known });
      }
      applyIpLink(link, byName, fail);
    }
    const addr = get('ip-addr');
    if (addr) applyIpAddr(addr, byName, fail);
    const inet6 = get('if-inet6');
    if (inet6) applyIfInet6(inet6, byName, fail);
    if (byName.size === 0) {
      if (!link && !inet6 && !get('ip-addr')?.lines.length) {
        throw unsupportedOs(
          NAME,
          'no ip command, /sys/class/net or /proc/net/if_inet6 to read',
          output,
        );
      }
      throw fail('no network interfaces listed');
    }
    return { interfaces: [...byName.values()] };
  },
};
