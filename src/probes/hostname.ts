import { outputLines, unusable } from './output';
import type { Probe } from './probe';

const NAME = 'hostname';

/** `hostname` is missing from some minimal images (Fedora, distroless); the kernel always knows. */
const COMMAND = 'hostname 2>/dev/null || uname -n 2>/dev/null || cat /proc/sys/kernel/hostname';

/**
 * The kernel's nodename is whatever sethostname(2) was given: up to 64
 * bytes, any of them but NUL, spaces and non-ASCII included (a name set by
 * hand, a container runtime). One line of up to 255 characters is accepted,
 * so only output that cannot be one name (several lines) is refused.
 */
const HOSTNAME = /^[^\n]{1,255}$/;

export const hostnameProbe: Probe = {
  name: NAME,
  command: COMMAND,
  neverBlocks: true,
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
