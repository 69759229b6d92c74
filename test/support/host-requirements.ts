/**
 * What the host-state tests need from the machine, checked once per file:
 * they skip with a message where it is missing, except under CI=true, where
 * `.ci/run` installs everything and a gap is a failure.
 */
import { existsSync } from 'node:fs';

import { usingFallbackSshd } from './sshd';

/** A program a host-state test needs, and the Debian package that has it. */
export interface Tool {
  path: string;
  pkg: string;
}

export const TOOLS = {
  unshare: { path: '/usr/bin/unshare', pkg: 'util-linux' },
  nsenter: { path: '/usr/bin/nsenter', pkg: 'util-linux' },
  bindfs: { path: '/usr/bin/bindfs', pkg: 'bindfs' },
  fuse: { path: '/dev/fuse', pkg: 'the fuse kernel module (a container needs --device /dev/fuse)' },
  bash: { path: '/bin/bash', pkg: 'bash' },
  fish: { path: '/usr/bin/fish', pkg: 'fish' },
  tcsh: { path: '/usr/bin/tcsh', pkg: 'tcsh' },
  zsh: { path: '/usr/bin/zsh', pkg: 'zsh' },
  dpkgQuery: { path: '/usr/bin/dpkg-query', pkg: 'dpkg (a Debian-family machine)' },
} satisfies Record<string, Tool>;

/**
 * Null when the machine has root, a real OpenSSH sshd and every tool in
 * `tools`; otherwise why not. Under CI=true it throws instead.
 */
export function missingForHostStates(what: string, tools: readonly Tool[]): string | null {
  // Asked for by name (HOSTSCAN_TEST_SSHD=fallback): a choice, not a gap.
  if (usingFallbackSshd()) return `${what} needs OpenSSH sshd, not the stand-in`;
  const gaps: string[] = [];
  if (process.getuid?.() !== 0) gaps.push('root (login users, mounts)');
  for (const tool of tools) if (!existsSync(tool.path)) gaps.push(`${tool.path} (${tool.pkg})`);
  if (gaps.length === 0) return null;
  const reason = `${what} needs ${gaps.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason}: .ci/run provides these`);
  return reason;
}

/** Says once, visibly, why a test did nothing. */
export function skipped(reason: string): void {
  process.stdout.write(`[e2e] skipped: ${reason}\n`);
}
