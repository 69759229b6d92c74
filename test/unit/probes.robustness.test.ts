import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { ScanError } from '../../src/domain/errors';
import { FULL_PROBES } from '../../src/probes';
import type { CommandOutput, Probe } from '../../src/probes/probe';
import { fixture } from './probes.helpers';

const SYSTEMS = readdirSync(join(__dirname, '..', 'fixtures'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** Parses, and fails unless the outcome is a result or a ScanError: never a TypeError. */
function expectResultOrScanError(probe: Probe, output: CommandOutput): 'ok' | string {
  try {
    probe.parse(output);
    return 'ok';
  } catch (e) {
    if (e instanceof ScanError) return e.code;
    throw new Error(
      `${probe.name} threw ${String(e)} on ${JSON.stringify(output.stdout.slice(0, 120))}`,
    );
  }
}

/** Deterministic noise so a failure can be replayed. */
function* noise(seed: number): Generator<string> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  const alphabet = '@@ \t\n:/%()-.0123456789abcdefxyzPVAS\\"\'=';
  for (;;) {
    let s = '';
    const len = next() % 400;
    for (let i = 0; i < len; i += 1) s += alphabet.charAt(next() % alphabet.length);
    yield s;
  }
}

describe.each(FULL_PROBES.map((p) => [p.name, p] as const))(
  '%s parser robustness',
  (name, probe) => {
    const captures = SYSTEMS.flatMap((system) => {
      try {
        return [fixture(system, name)];
      } catch {
        return [];
      }
    });

    it('gives a result or a ScanError for every prefix of every capture', () => {
      for (const output of captures) {
        const text = output.stdout;
        const step = Math.max(1, Math.floor(text.length / 400));
        for (let end = 0; end <= text.length; end += step) {
          expectResultOrScanError(probe, { ...output, stdout: text.slice(0, end) });
        }
      }
    });

    it('gives a ScanError, never a crash, on random text', () => {
      const gen = noise(name.length * 7919);
      for (let i = 0; i < 300; i += 1) {
        const stdout = gen.next().value ?? '';
        expectResultOrScanError(probe, { stdout, stderr: 'x', exitCode: i % 3 === 0 ? 1 : 0 });
        expectResultOrScanError(probe, { stdout: `@@${stdout}`, stderr: '', exitCode: 0 });
      }
    });

    it('gives a result or a ScanError when one line of a capture is replaced by noise', () => {
      const gen = noise(name.length * 104729);
      for (const output of captures) {
        const lines = output.stdout.split('\n');
        for (let i = 0; i < 100; i += 1) {
          const copy = [...lines];
          copy[(i * 7) % copy.length] = (gen.next().value ?? '').replace(/\n/g, ' ');
          expectResultOrScanError(probe, { ...output, stdout: copy.join('\n') });
        }
      }
    });
  },
);
