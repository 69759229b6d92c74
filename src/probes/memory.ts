import type { MemoryInfo } from '../domain/result';
import { kibToBytes, outputLines, parseError, sections, unsupportedOs } from './output';
import type { Probe } from './probe';

const NAME = 'memory';

const COMMAND = 'if [ -r /proc/meminfo ]; then cat /proc/meminfo; else echo "@@no-proc"; fi';

/** `Key: value [kB]` lines in bytes; keys without the kB unit (HugePages_*) are counts and left out. */
export function parseMeminfo(lines: readonly string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of lines) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+) kB$/.exec(line.trim());
    const bytes = m?.[2] === undefined ? null : kibToBytes(m[2]);
    if (m?.[1] && bytes !== null) values.set(m[1], bytes);
  }
  return values;
}

export const memoryProbe: Probe = {
  name: NAME,
  command: COMMAND,
  neverBlocks: true,
  parse(output) {
    const lines = outputLines(NAME, output, { complete: true });
    if (sections(lines).some((s) => s.name === 'no-proc')) {
      throw unsupportedOs(NAME, '/proc/meminfo is not readable (no procfs)', output);
    }
    const v = parseMeminfo(lines);
    const need = (key: string): number => {
      const value = v.get(key);
      if (value === undefined) throw parseError(NAME, `/proc/meminfo has no ${key}`, output);
      return value;
    };
    const total = need('MemTotal');
    const free = need('MemFree');
    // MemAvailable arrived in Linux 3.14; before it, free+buffers+cache was the usual estimate.
    const available = v.get('MemAvailable') ?? free + need('Buffers') + need('Cached');
    const swapTotal = v.get('SwapTotal') ?? 0;
    const memory: MemoryInfo = {
      totalBytes: total,
      usedBytes: Math.max(0, total - available),
      availableBytes: available,
      freeBytes: free,
      swapTotalBytes: swapTotal,
      swapUsedBytes: Math.max(0, swapTotal - (v.get('SwapFree') ?? swapTotal)),
    };
    return { memory };
  },
};
