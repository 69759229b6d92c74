import { outputLines, sections, unsupportedOs, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'uptime';

/** Without /proc (a chroot, a non-Linux kernel) there is no uptime to read: say so with a marker. */
const COMMAND = 'if [ -r /proc/uptime ]; then cat /proc/uptime; else echo "@@no-proc"; fi';

export const uptimeProbe: Probe = {
  name: NAME,
  command: COMMAND,
  neverBlocks: true,
  parse(output) {
    const lines = outputLines(NAME, output, { complete: true });
    if (sections(lines).some((s) => s.name === 'no-proc')) {
      throw unsupportedOs(NAME, '/proc/uptime is not readable (no procfs)', output);
    }
    // "<seconds since boot> <idle seconds summed over CPUs>", both with two decimals.
    const m = /^(\d+)(?:\.\d+)?\s+\d+(?:\.\d+)?$/.exec(lines[0]?.trim() ?? '');
    const seconds = m?.[1] === undefined ? NaN : Number(m[1]);
    if (lines.length !== 1 || !Number.isSafeInteger(seconds)) {
      throw unusable(
        NAME,
        `unexpected /proc/uptime content "${lines.join(' | ').slice(0, 80)}"`,
        output,
      );
    }
    return { uptimeSeconds: seconds };
  },
};
