/**
 * Host identity (issue case 8): every spelling of one address or name gives
 * the one text that keys hosts, pins and the one-active-scan rule. Expected
 * IPv6 texts are RFC 5952's own examples (sections 4.1 to 4.3) and what
 * Python 3.11's `ipaddress.IPv6Address(...).compressed` prints.
 */
import { GraphQLError } from 'graphql';

import { validateHostname } from '../../src/services/validate';
import { canonicalIp } from '../../src/util/ip';

describe('canonicalIp', () => {
  it.each([
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0000::0001', '::1'],
    ['[::1]', '::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    // RFC 5952 4.1: no leading zeros; 4.3: lower case.
    ['2001:0db8::0001', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    // 4.2.1: the longest run; 4.2.2: never one group alone.
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    // 4.2.3: the longer run wins, on a tie the first.
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    // A dotted tail is two hex groups, except IPv4-mapped, which is IPv4.
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['::1.2.3.4', '::102:304'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['0:0:0:0:0:ffff:c000:0201', '192.0.2.1'],
    // A zone stays as typed (interface names are case-sensitive).
    ['FE80:0::1%Eth0', 'fe80::1%Eth0'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s is %s', (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical);
  });

  it.each(['010.0.0.1', '127.1', '0x7f.0.0.1', '[10.0.0.1]', '1.2.3.4%eth0', '::1::', 'host'])(
    '%s is no IP literal',
    (input) => {
      expect(canonicalIp(input)).toBeNull();
    },
  );
});

describe('validateHostname', () => {
  it.each([
    [' 0000::0001 ', '::1'],
    ['DB1.Example.COM', 'db1.example.com'],
    ['db1.example.com.', 'db1.example.com'],
    ['LocalHost', 'localhost'],
    ['192.168.0.1', '192.168.0.1'],
  ])('%j keys the host %j', (input, key) => {
    expect(validateHostname(input)).toBe(key);
  });

  it.each(['010.0.0.1', '127.1', '0x7f.0.0.1', '2130706433', '1.2.3.4.'])(
    'refuses the ambiguous IPv4 form %s, saying how to write it',
    (input) => {
      let thrown: unknown = null;
      try {
        validateHostname(input);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      expect((thrown as GraphQLError).message).toMatch(
        /target\.hostname: .*four decimal numbers without leading zeros/,
      );
    },
  );

  it.each(['999.1.1.1', 'bad host', '-a.example', '[db1.example.com]'])('refuses %s', (input) => {
    expect(() => validateHostname(input)).toThrow(/target\.hostname/);
  });
});
