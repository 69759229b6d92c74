import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { ScanResultData } from '../../src/domain/result';
import { FULL_PROBES } from '../../src/probes';
import { fixture } from '../unit/probes.helpers';

/**
 * The result a FULL scan would have stored on a captured system: every probe
 * with a capture in the folder, parsed by its own parser. A probe whose
 * capture is a real failure (the chroot's df) leaves its section out, as a
 * failed step does.
 */
export function capturedResult(system: string): ScanResultData {
  const files = readdirSync(join(__dirname, '..', 'fixtures', system));
  const result: ScanResultData = {};
  for (const probe of FULL_PROBES) {
    if (!files.includes(`${probe.name}.txt`)) continue;
    try {
      Object.assign(result, probe.parse(fixture(system, probe.name)));
    } catch {
      // A failed step: no section.
    }
  }
  return result;
}

/** `name\0arch → version` of a captured packages list, read from the fixture's lines directly. */
export function packageLines(system: string): Map<string, string> {
  const text = fixture(system, 'packages').stdout;
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('@@')) continue;
    const [name, version, arch, status] = line.split('\t');
    // dpkg: not-installed (n) and config-files (c) have no files on disk.
    if (status && /^.[nc]/.test(status)) continue;
    map.set(`${name}\u0000${arch ?? ''}`, version!);
  }
  return map;
}
