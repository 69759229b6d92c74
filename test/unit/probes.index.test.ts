import { spawnSync } from 'node:child_process';

import { FULL_PROBES, patchesProbes, probesFor, QUICK_PROBES } from '../../src/probes';

describe('probe sets', () => {
  it('runs os, hostname, uptime, disk and memory in a QUICK scan', () => {
    expect(probesFor('QUICK').map((p) => p.name)).toEqual([
      'os',
      'hostname',
      'uptime',
      'disk',
      'memory',
    ]);
    expect(probesFor('QUICK')).toBe(QUICK_PROBES);
  });

  it('runs without a remote timeout only the probes that read procfs or uname alone', () => {
    // Anything that touches a filesystem (os-release on an NFS root, statfs,
    // /proc/PID of a process stuck in D state) keeps its remote timeout.
    const free = [...FULL_PROBES, ...patchesProbes()].filter((p) => p.neverBlocks);
    expect(free.map((p) => p.name)).toEqual(['hostname', 'uptime', 'memory']);
  });

  it('adds packages, processes and interfaces in a FULL scan', () => {
    expect(probesFor('FULL').map((p) => p.name)).toEqual([
      'os',
      'hostname',
      'uptime',
      'disk',
      'memory',
      'packages',
      'processes',
      'interfaces',
    ]);
    expect(probesFor('FULL')).toBe(FULL_PROBES);
  });

  it.each(FULL_PROBES.map((p) => [p.name, p]))(
    '%s: its command is valid for dash (POSIX sh)',
    (_, probe) => {
      const dash = spawnSync('dash', ['-n', '-c', probe.command], { encoding: 'utf8' });
      expect(dash.error).toBeUndefined();
      expect(dash.stderr).toBe('');
      expect(dash.status).toBe(0);
    },
  );
});
