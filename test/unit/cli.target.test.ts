/** How the CLI reads targets and target files, and how outcomes become exit statuses. */
import { ExitCode, exitCodeOf, worstOf } from '../../src/cli/exit';
import { formatTarget, parseTarget, parseTargetList } from '../../src/cli/target';

describe('parseTarget', () => {
  it.each([
    ['db1', { hostname: 'db1' }],
    ['db1.example.com:2222', { hostname: 'db1.example.com', port: 2222 }],
    ['scan@10.0.0.5:22', { hostname: '10.0.0.5', port: 22, username: 'scan' }],
    ['::1', { hostname: '::1' }],
    ['[::1]:2222', { hostname: '::1', port: 2222 }],
    ['ops@[2001:db8::7]', { hostname: '2001:db8::7', username: 'ops' }],
    ['fe80::1%eth0', { hostname: 'fe80::1%eth0' }],
  ])('reads %s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each([
    ['', /the host is empty/],
    ['host:0', /not a number 1-65535/],
    ['host:65536', /not a number 1-65535/],
    ['host:22x', /not a number 1-65535/],
    ['[::1', /needs a closing \]/],
    ['[::1]22', /only :PORT may follow/],
    ['@host', /the user before @ is empty/],
  ])('refuses %j as a usage error', (text, why) => {
    expect(() => parseTarget(text)).toThrow(why);
    try {
      parseTarget(text);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(ExitCode.USAGE);
    }
  });

  it('prints a target back with IPv6 in brackets only when a port follows', () => {
    expect(formatTarget({ hostname: '::1', port: 22, username: 'u' })).toBe('u@[::1]:22');
    expect(formatTarget({ hostname: '::1' })).toBe('::1');
  });
});

describe('parseTargetList', () => {
  it('skips comments and blank lines', () => {
    const text = '# fleet\n\nweb1:22  # the web host\r\n  [::1]:2222\n#db2\n';
    expect(parseTargetList(text, 'f')).toEqual([
      { hostname: 'web1', port: 22 },
      { hostname: '::1', port: 2222 },
    ]);
  });

  it('names every bad line with its number', () => {
    expect(() => parseTargetList('ok\nbad:port\nalso-ok\n[::1\n', 'hosts.txt')).toThrow(
      /hosts.txt:2: bad target "bad:port".*\nhosts.txt:4: bad target "\[::1"/,
    );
  });

  it('refuses a list with no targets', () => {
    expect(() => parseTargetList('# nothing\n\n', 'empty.txt')).toThrow(
      'empty.txt names no targets',
    );
  });
});

describe('exit statuses', () => {
  it('maps scan outcomes as documented', () => {
    expect(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'].map(exitCodeOf)).toEqual([0, 2, 1, 1]);
  });

  it('a fleet exits with its worst outcome', () => {
    expect(worstOf([0, 0])).toBe(0);
    expect(worstOf([0, 2, 0])).toBe(2);
    expect(worstOf([2, 1, 0])).toBe(1);
    expect(worstOf([1, 3])).toBe(3);
  });
});
