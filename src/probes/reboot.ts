import type { ScanResultData } from '../domain/result';
import { outputLines, sections } from './output';
import type { Probe } from './probe';

const NAME = 'reboot';

/**
 * Four read-only signals. The flag file is Debian's and Ubuntu's (written by
 * package postinst scripts through /etc/kernel/postinst.d and
 * update-notifier); `needs-restarting -r` (dnf-utils/yum-utils) and `zypper
 * needs-rebooting` answer for rpm hosts, so they run only where there is no
 * dpkg database (Debian packages zypper and dnf as tools, not as the
 * system's manager). Installed kernels are the module trees under
 * /lib/modules and /usr/lib/modules.
 */
const COMMAND = [
  'echo "@@running $(uname -r 2>/dev/null)"',
  'if [ -e /var/run/reboot-required ]; then',
  '  echo "@@flag /var/run/reboot-required"',
  '  if [ -r /var/run/reboot-required.pkgs ]; then echo "@@flag-pkgs"; cat /var/run/reboot-required.pkgs; echo; fi',
  'fi',
  'echo "@@kernels"',
  'for d in /lib/modules/* /usr/lib/modules/*; do [ -d "$d" ] && echo "${d##*/}"; done',
  'if [ ! -r /var/lib/dpkg/status ]; then',
  '  if command -v needs-restarting >/dev/null 2>&1; then',
  '    echo "@@needs-restarting"; needs-restarting -r 2>&1; echo "@@status $?"',
  '  fi',
  '  if command -v zypper >/dev/null 2>&1; then',
  '    echo "@@zypper"; ZYPP_READONLY_HACK=1 zypper -n --no-refresh needs-rebooting 2>&1; echo "@@status $?"',
  '  fi',
  'fi',
  'exit 0',
].join('\n');

/**
 * Compares kernel release strings (`6.1.0-18-amd64`, `5.14.0-362.8.1.el9_3.x86_64`)
 * run by run: digits as numbers, anything else as text.
 */
export function compareKernels(a: string, b: string): number {
  const runs = (s: string) => s.match(/\d+|[^\d]+/g) ?? [];
  const [x, y] = [runs(a), runs(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    const d = numeric ? Number(p) - Number(q) : p < q ? -1 : p > q ? 1 : 0;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** `zypper needs-rebooting` exits 102 (ZYPPER_EXIT_INF_REBOOT_NEEDED) when a reboot is due. */
const ZYPPER_REBOOT_NEEDED = 102;

export const rebootProbe: Probe = {
  name: NAME,
  command: COMMAND,
  parse(output): Partial<ScanResultData> {
    const found = sections(outputLines(NAME, output, { complete: true }));
    const get = (name: string) => found.find((s) => s.name === name);
    const statusOf = (name: string): number | null => {
      const i = found.findIndex((s) => s.name === name);
      return found[i + 1]?.name === 'status' ? Number(found[i + 1]!.arg) : null;
    };
    const reasons: string[] = [];
    const flag = get('flag');
    if (flag) {
      const pkgs = [...new Set((get('flag-pkgs')?.lines ?? []).map((l) => l.trim()))].filter(
        Boolean,
      );
      reasons.push(pkgs.length > 0 ? `${flag.arg}: ${pkgs.join(', ')}` : flag.arg);
    }
    // Only a kernel this host installed itself is compared: a container or
    // chroot runs its host's kernel, which it has no modules for.
    const running = get('running')?.arg ?? '';
    const kernels = [...new Set(get('kernels')?.lines.map((l) => l.trim()) ?? [])];
    if (running && kernels.includes(running)) {
      const newest = kernels.reduce((a, b) => (compareKernels(a, b) >= 0 ? a : b));
      if (newest !== running) reasons.push(`kernel ${newest} is installed, ${running} is running`);
    }
    if (get('needs-restarting') && statusOf('needs-restarting') === 1) {
      const updated = (get('needs-restarting')?.lines ?? [])
        .map((l) => /^\s*\*\s*(\S+)/.exec(l)?.[1])
        .filter((p): p is string => p !== undefined);
      reasons.push(
        `needs-restarting -r: ${updated.length > 0 ? `updated since boot: ${updated.join(', ')}` : 'reboot required'}`,
      );
    }
    if (statusOf('zypper') === ZYPPER_REBOOT_NEEDED)
      reasons.push('zypper needs-rebooting: reboot required');
    return { rebootRequired: reasons.length > 0, rebootReasons: reasons };
  },
};
