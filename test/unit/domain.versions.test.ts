/**
 * Version order checked against the tools themselves: `dpkg
 * --compare-versions` (dpkg 1.21) and rpm's own rpm.vercmp (rpm 4.18, through
 * its Lua interpreter), over versions taken from the captures and the forms
 * each manual names (epochs, `~`, `^`, letters, leading zeros).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { compareDpkgVersions, compareRpmVersions, rpmvercmp } from '../../src/domain/versions';
import { skipped } from '../support/host-requirements';

const DPKG_VERSIONS = [
  '1.0',
  '1.0-1',
  '1.0-1+deb12u1',
  '1.0-1~deb12u1',
  '1.0~rc1',
  '1.0~~',
  '1.0~',
  '1.0a',
  '1.00',
  '1:0.9',
  '2:1.4.0-1',
  '10.42-1',
  '10.42-1+deb12u2',
  '590-2.1~deb12u2',
  '3.5.0+ds1-0+deb12u1',
  '1:1.35.0-4+deb12u1+b1',
  '20230710~deb12u1',
  '1.2.3-4.10',
];

const RPM_VERSIONS = [
  '5.0.1-1.el9',
  '0:7.2-3.el9_4',
  '2:1.4.0-1.el9',
  '0.3-2.fc40',
  '1.2.3beta1.r4.gabc1234-1.1',
  '1:2.0.1-3',
  '1.0~rc1-1',
  '1.0-1',
  '1.0^git1-1',
  '1.0a-1',
  '1.01-1',
  '1.0.1-1',
  '2.0-1.el9_4',
  '2.0-1.el9_10',
];

const pairs = (list: string[]): Array<[string, string]> =>
  list.flatMap((a) => list.map((b): [string, string] => [a, b]));

it('orders Debian versions as dpkg --compare-versions does', () => {
  const list = pairs(DPKG_VERSIONS);
  // One shell for every pair; dpkg answers by exit status.
  const script = `while read -r a b; do
    if dpkg --compare-versions "$a" lt "$b"; then echo -1
    elif dpkg --compare-versions "$a" gt "$b"; then echo 1; else echo 0; fi
  done`;
  const input = list.map(([a, b]) => `${a} ${b}\n`).join('');
  const run = spawnSync('sh', ['-c', script], { input, encoding: 'utf8' });
  const said = run.stdout.trim().split('\n').map(Number);
  expect(said).toHaveLength(list.length);
  const wrong = list
    .map(([a, b], i) => [a, b, compareDpkgVersions(a, b), said[i]] as const)
    .filter(([, , mine, dpkg]) => mine !== dpkg);
  expect(wrong).toEqual([]);
});

it('orders rpm versions as rpm.vercmp does (rpm 4.18)', () => {
  if (!existsSync('/usr/bin/rpm')) {
    if (process.env.CI === 'true') throw new Error('no /usr/bin/rpm: .ci/run installs rpm');
    return skipped('rpm version order needs /usr/bin/rpm (Debian package rpm)');
  }
  const list = pairs(RPM_VERSIONS);
  // One rpm process for every pair: rpm.vercmp compares whole EVR strings.
  const lua = list.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}") .. ",")`).join(' ');
  const run = spawnSync('rpm', ['--eval', `%{lua: ${lua}}`], { encoding: 'utf8' });
  const said = run.stdout.trim().split(',').slice(0, -1).map(Number);
  expect(said).toHaveLength(list.length);
  const wrong = list
    .map(([a, b], i) => [a, b, compareRpmVersions(a, b), said[i]] as const)
    .filter(([, , mine, rpm]) => mine !== rpm);
  expect(wrong).toEqual([]);
});

it('rpmvercmp: a number is newer than letters in the same place; ~ sorts first, ^ after', () => {
  expect(rpmvercmp('1.0', '1.a')).toBe(1);
  expect(rpmvercmp('1.0~rc1', '1.0')).toBe(-1);
  expect(rpmvercmp('1.0^1', '1.0')).toBe(1);
  expect(rpmvercmp('1.0^1', '1.0.1')).toBe(-1);
});
