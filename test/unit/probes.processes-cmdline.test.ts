import type { ProcessInfo } from '../../src/domain/result';
import { commandFromCmdline } from '../../src/probes/bytes';
import { processesProbe } from '../../src/probes/processes';
import { decodeUtf8 } from '../../src/util/utf8';
import { fixture } from './probes.helpers';

/*
 * Captured with three node processes holding 400 MB each (so they are in the
 * top 25), started in a private mount namespace with a copy of /etc/passwd
 * bind-mounted that adds uid 4242 `hostscan-fixture-long-user-name` and uid
 * 4243 `jürgen` (uid 4244 has no entry). Their arguments: `Grüße-ünïcødé`,
 * `two words` and `line<LF>break`; `invalid-<0xFF>-byte` and `Ωmega`;
 * `no-passwd-entry` (test/fixtures/README.md).
 */
const KEEP = 'node -e const b=Buffer.alloc(400e6,1);setTimeout(()=>{},60000)';
const processes = (system: string): ProcessInfo[] =>
  processesProbe.parse(fixture(system, 'processes')).processes ?? [];

describe.each(['debian-12-bookworm-procs', 'busybox-1.35-procs'])('processes on %s', (system) => {
  const list = processes(system);
  const byArg = (arg: string) => list.find((p) => p.command.endsWith(arg));

  it('gives non-ASCII arguments exactly, newlines inside arguments included', () => {
    expect(byArg('line\nbreak')?.command).toBe(`${KEEP} Grüße-ünïcødé two words line\nbreak`);
    expect(byArg('Ωmega')?.command).toBe(`${KEEP} invalid-\\xff-byte Ωmega`);
  });

  it('names users from /etc/passwd, however long or non-ASCII; a uid without entry as the uid', () => {
    expect(byArg('line\nbreak')?.user).toBe('hostscan-fixture-long-user-name');
    expect(byArg('Ωmega')?.user).toBe('jürgen');
    expect(byArg('no-passwd-entry')?.user).toBe('4244');
  });
});

describe('procps ps under LC_ALL=C, for comparison', () => {
  it('would have printed the user name as j??rgen', () => {
    expect(fixture('debian-12-bookworm-procs', 'processes').stdout).toMatch(/ 4243 .* j\?\?rgen\n/);
  });
});

describe('command line bytes', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

  it('escapes each invalid byte as \\xNN and keeps valid sequences', () => {
    expect(decodeUtf8(bytes('a\xff\xc3\xa9\xed\xa0\x80z'))).toBe('a\\xffé\\xed\\xa0\\x80z');
    expect(decodeUtf8(bytes('\xc0\xaf'))).toBe('\\xc0\\xaf');
  });

  it('joins NUL-separated arguments with spaces and trims padding', () => {
    expect(commandFromCmdline(bytes('ls\0-l\0\0\0'), 4096)).toBe('ls -l');
  });

  it('cuts a long command line at a character boundary and marks it', () => {
    const text = `${'a'.repeat(4095)}é`;
    expect(commandFromCmdline(new Uint8Array(Buffer.from(text)), 4096)).toBe(
      `${'a'.repeat(4095)}…`,
    );
    expect(commandFromCmdline(new Uint8Array(Buffer.from(`${'a'.repeat(4094)}é`)), 4096)).toBe(
      `${'a'.repeat(4094)}é`,
    );
  });
});
