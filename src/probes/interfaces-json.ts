import type { InterfaceAddress, InterfaceInfo } from '../domain/result';

type Fail = (message: string) => Error;

interface IpAddrInfo {
  family?: unknown;
  local?: unknown;
  prefixlen?: unknown;
}

interface IpLink {
  ifname?: unknown;
  mtu?: unknown;
  operstate?: unknown;
  address?: unknown;
  addr_info?: unknown;
}

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}$/i;

function address(info: IpAddrInfo): InterfaceAddress | null {
  const family = info.family === 'inet' ? 'IPV4' : info.family === 'inet6' ? 'IPV6' : null;
  if (!family || typeof info.local !== 'string' || typeof info.prefixlen !== 'number') return null;
  // For a point-to-point address, `local` is ours and prefixlen the peer's, as `ip` prints it.
  return { address: info.local, family, prefixLength: info.prefixlen };
}

/**
 * `ip -j addr show` (iproute2 4.13+): one JSON array of links, each with its
 * addresses. Names and states are JSON strings, so no user-chosen text (an
 * alias, an altname, an interface called `state`) can be mistaken for a
 * field, as it can in the `ip -o` text. A link without a name is skipped,
 * not fatal; the array itself must parse.
 */
export function parseIpJson(lines: readonly string[], fail: Fail): InterfaceInfo[] {
  let links: unknown;
  try {
    links = JSON.parse(lines.join('\n'));
  } catch {
    throw fail('ip -j printed no JSON array');
  }
  if (!Array.isArray(links)) throw fail('ip -j printed no JSON array');
  const out: InterfaceInfo[] = [];
  for (const link of links as IpLink[]) {
    if (!link || typeof link.ifname !== 'string' || link.ifname === '') continue;
    const infos = Array.isArray(link.addr_info) ? (link.addr_info as IpAddrInfo[]) : [];
    out.push({
      name: link.ifname,
      mac:
        typeof link.address === 'string' && MAC.test(link.address)
          ? link.address.toLowerCase()
          : null,
      mtu: typeof link.mtu === 'number' && Number.isInteger(link.mtu) ? link.mtu : null,
      state: typeof link.operstate === 'string' && link.operstate ? link.operstate : 'UNKNOWN',
      addresses: infos.flatMap((i) => (i ? (address(i) ?? []) : [])),
    });
  }
  return out;
}
