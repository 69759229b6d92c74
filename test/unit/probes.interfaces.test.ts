import { networkInterfaces } from 'node:os';

import { ScanErrorCode } from '../../src/domain/errors';
import type { InterfaceInfo } from '../../src/domain/result';
import { formatIpv6, interfacesProbe } from '../../src/probes/interfaces';
import { expectScanError, fixture, ok, runLocally } from './probes.helpers';

const interfaces = (system: string): InterfaceInfo[] =>
  interfacesProbe.parse(fixture(system, 'interfaces')).interfaces ?? [];

const HOST_ETH0: InterfaceInfo = {
  name: 'eth0',
  mac: '02:fc:00:00:00:01',
  mtu: 1400,
  state: 'UP',
  addresses: [
    { address: '192.0.2.2', family: 'IPV4', prefixLength: 24 },
    { address: 'fd00::2', family: 'IPV6', prefixLength: 64 },
    { address: 'fe80::fc:ff:fe00:1', family: 'IPV6', prefixLength: 64 },
  ],
};

describe('interfaces probe on iproute2 (Debian 12)', () => {
  const list = interfaces('debian-12-bookworm');

  it('lists links in ifindex order with MAC, MTU, state and IPv4/IPv6 addresses', () => {
    expect(list.map((i) => i.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(list.find((i) => i.name === 'eth0')).toEqual(HOST_ETH0);
    expect(list[0]).toEqual({
      name: 'lo',
      mac: '00:00:00:00:00:00',
      mtu: 65536,
      state: 'UNKNOWN',
      addresses: [
        { address: '127.0.0.1', family: 'IPV4', prefixLength: 8 },
        { address: '::1', family: 'IPV6', prefixLength: 128 },
      ],
    });
    expect(list.find((i) => i.name === 'ifb0')).toMatchObject({ state: 'DOWN', addresses: [] });
  });

  it('handles veth names with @peer, a point-to-point peer address and a labelled secondary', () => {
    const ns = interfaces('debian-12-bookworm-netns');
    expect(ns.map((i) => i.name)).toEqual(['lo', 'veth-b', 'veth-a']);
    expect(ns.find((i) => i.name === 'veth-a')).toEqual({
      name: 'veth-a',
      mac: 'a6:b7:01:af:d8:d8',
      mtu: 1500,
      state: 'UP',
      addresses: [
        { address: '10.9.0.1', family: 'IPV4', prefixLength: 32 },
        { address: 'fe80::a4b7:1ff:feaf:d8d8', family: 'IPV6', prefixLength: 64 },
      ],
    });
    expect(ns.find((i) => i.name === 'veth-b')?.addresses).toEqual([
      { address: '192.168.100.1', family: 'IPV4', prefixLength: 24 },
      { address: '192.168.100.2', family: 'IPV4', prefixLength: 24 },
      { address: '2001:db8:0:1::1', family: 'IPV6', prefixLength: 64 },
      { address: 'fe80::3872:d4ff:fe74:ae9d', family: 'IPV6', prefixLength: 64 },
    ]);
    expect(ns.find((i) => i.name === 'veth-b')?.mtu).toBe(1400);
  });
});

describe('interfaces probe on BusyBox ip (no "state" word)', () => {
  it('takes the state from sysfs operstate and gives the same result as iproute2', () => {
    expect(fixture('busybox-1.35', 'interfaces').stdout).not.toMatch(/ state /);
    expect(interfaces('busybox-1.35')).toEqual(interfaces('debian-12-bookworm'));
    expect(interfaces('busybox-1.35-netns')).toEqual(interfaces('debian-12-bookworm-netns'));
  });
});

describe('interfaces probe when ip prints nothing', () => {
  it('uses the sysfs lines of the same capture', () => {
    // The Debian 12 capture cut after its sysfs section, as an ip without netlink access leaves it.
    const captured = fixture('debian-12-bookworm', 'interfaces').stdout;
    const stdout = `${captured.slice(0, captured.indexOf('@@ip-link'))}@@ip-link\n@@ip-addr\n`;
    const list = interfacesProbe.parse({
      stdout,
      stderr: 'Cannot open netlink socket: Permission denied\n',
      exitCode: 1,
    }).interfaces;
    expect(list?.find((i) => i.name === 'eth0')).toEqual({ ...HOST_ETH0, addresses: [] });
    expect(list?.map((i) => i.name)).toEqual(['eth0', 'ifb0', 'ifb1', 'lo']);
  });
});

describe('interfaces probe without ip and /sys (Debian 11 minbase chroot)', () => {
  it('falls back to /proc/net/if_inet6: IPv6 addresses only', () => {
    expect(interfaces('debian-11-bullseye-chroot')).toEqual([
      {
        name: 'eth0',
        mac: null,
        mtu: null,
        state: 'UNKNOWN',
        addresses: [
          { address: 'fe80::fc:ff:fe00:1', family: 'IPV6', prefixLength: 64 },
          { address: 'fd00::2', family: 'IPV6', prefixLength: 64 },
        ],
      },
      {
        name: 'lo',
        mac: null,
        mtu: null,
        state: 'UNKNOWN',
        addresses: [{ address: '::1', family: 'IPV6', prefixLength: 128 }],
      },
    ]);
  });

  it('reports UNSUPPORTED_OS when not even /proc is there', () => {
    expectScanError(
      () => interfaces('debian-11-bullseye-chroot-no-proc'),
      ScanErrorCode.UNSUPPORTED_OS,
      /if_inet6/,
    );
  });
});

describe('IPv6 formatting (RFC 5952)', () => {
  it.each([
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe8000000000000000fc00fffe000001', 'fe80::fc:ff:fe00:1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
  ])('formats %s as %s', (hex, text) => {
    expect(formatIpv6(hex)).toBe(text);
  });
});

describe('interfaces probe on bad output', () => {
  it('rejects empty and truncated output', () => {
    expectScanError(() => interfacesProbe.parse(ok('')), ScanErrorCode.PARSE_ERROR);
    const captured = fixture('debian-12-bookworm', 'interfaces').stdout;
    expectScanError(
      () => interfacesProbe.parse(ok(captured.slice(0, -20))),
      ScanErrorCode.PARSE_ERROR,
      /truncated/,
    );
  });

  it('rejects lines it does not understand', () => {
    const ifconfig =
      '@@sysfs\n@@ip-link\neth0      Link encap:Ethernet  HWaddr 02:fc:00:00:00:01\n';
    expectScanError(
      () => interfacesProbe.parse(ok(ifconfig)),
      ScanErrorCode.PARSE_ERROR,
      /unexpected ip link line/,
    );
    const json = '@@sysfs\n@@ip-link\n[{"ifindex":1,"ifname":"lo"}]\n';
    expectScanError(() => interfacesProbe.parse(ok(json)), ScanErrorCode.PARSE_ERROR);
  });
});

describe('interfaces probe on this machine', () => {
  it('lists every interface and address os.networkInterfaces() knows', () => {
    const list = interfacesProbe.parse(runLocally(interfacesProbe)).interfaces ?? [];
    const byName = new Map(list.map((i) => [i.name, i]));
    for (const [name, addrs] of Object.entries(networkInterfaces())) {
      const iface = byName.get(name);
      expect(iface).toBeDefined();
      const cidrs = iface?.addresses.map((a) => `${a.address}/${a.prefixLength}`);
      for (const addr of addrs ?? []) {
        expect(cidrs).toContain(addr.cidr);
        if (addr.mac !== '00:00:00:00:00:00') expect(iface?.mac).toBe(addr.mac);
      }
    }
  });
});

/*
 * A network namespace with a veth pair, veth-a with MTU 1400, a
 * point-to-point address and the alias `state DOWN mtu 9 link/ether
 * 11:22:33:44:55:66` (text that `ip -o link` prints on the same line as the
 * real fields); veth-b with 2001:db8::1/64 (test/fixtures/README.md).
 */
describe('interfaces probe through ip -j (iproute2 6.1.0)', () => {
  const output = fixture('debian-12-bookworm-netns-alias', 'interfaces');
  const list = interfacesProbe.parse(output).interfaces ?? [];

  it('takes the JSON branch and never reads fields out of an alias', () => {
    expect(output.stdout).toContain('@@ip-json\n');
    expect(list.find((i) => i.name === 'veth-a')).toEqual({
      name: 'veth-a',
      mac: 'c2:28:55:9a:51:c3',
      mtu: 1400,
      state: 'UP',
      addresses: [
        { address: '10.9.0.1', family: 'IPV4', prefixLength: 32 },
        { address: 'fe80::c028:55ff:fe9a:51c3', family: 'IPV6', prefixLength: 64 },
      ],
    });
  });

  it('agrees with the BusyBox text branch on the same namespace', () => {
    const busybox = interfacesProbe.parse(fixture('busybox-1.35-netns-alias', 'interfaces'));
    const pick = (l: typeof list) => l.map((i) => [i.name, i.mac, i.mtu, i.addresses]);
    expect(pick(busybox.interfaces ?? []).sort()).toEqual(pick(list).sort());
  });
});
