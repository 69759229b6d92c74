import { outputLines, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'hostname';

/** `hostname` is missing from some minimal images (Fedora, distroless); the kernel always knows. */
const COMMAND = 'hostname 2>/dev/null || uname -n 2>/dev/null || cat /proc/sys/kernel/hostname';

/** A name is one token: no whitespace, at most 253 characters (a DNS name's limit). */
const HOSTNAME = /^\S{1,253}$/;

export const hostnameProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output) {
    const lines = outputLines(NAME, output).map((l) => l.trim());
    const [hostname] = lines;
    if (lines.length !== 1 || hostname === undefined || !HOSTNAME.test(hostname)) {
      throw unusable(
        NAME,
        `expected one host name, got "${lines.join(' | ').slice(0, 80)}"`,
        output,
      );
    }
    return { hostname };
  },
};
