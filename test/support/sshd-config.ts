import path from 'node:path';

/**
 * The test sshd's global settings, keyword by keyword. sshd keeps the FIRST
 * value it reads for a keyword, so a variant (say UsePAM yes) cannot be
 * appended after these: it replaces one through `overrides` instead.
 */
function baseSettings(dir: string, port: number, hostKeyPath: string): Array<[string, string]> {
  return [
    ['Port', String(port)],
    ['ListenAddress', '127.0.0.1'],
    ['HostKey', hostKeyPath],
    ['PidFile', path.join(dir, 'sshd.pid')],
    ['AuthorizedKeysFile', path.join(dir, 'authorized_keys')],
    ['PasswordAuthentication', 'no'],
    ['KbdInteractiveAuthentication', 'no'],
    ['PubkeyAuthentication', 'yes'],
    ['UsePAM', 'no'],
    ['StrictModes', 'no'],
    ['MaxStartups', '100:30:200'],
    ['MaxSessions', '50'],
    // Nothing here needs them, and they slow down every session.
    ['PrintMotd', 'no'],
    ['PrintLastLog', 'no'],
    ['UseDNS', 'no'],
  ];
}

export interface SshdConfigOptions {
  logLevel: string;
  /** Global keywords whose value replaces the base one (e.g. `{ UsePAM: 'yes' }`). */
  overrides?: Record<string, string>;
  /** Lines appended after the global settings (Match blocks). */
  extraConfig?: string[];
}

/** The text of the test sshd's sshd_config. */
export function sshdConfigText(
  dir: string,
  port: number,
  hostKeyPath: string,
  options: SshdConfigOptions,
): string {
  const overrides = { ...options.overrides };
  const lines = baseSettings(dir, port, hostKeyPath).map(([keyword, value]) => {
    const chosen = overrides[keyword] ?? value;
    delete overrides[keyword];
    return `${keyword} ${chosen}`;
  });
  return [
    ...lines,
    ...Object.entries(overrides).map(([keyword, value]) => `${keyword} ${value}`),
    `LogLevel ${options.logLevel}`,
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}
