/**
 * Passwords through keyboard-interactive only (issue case 3), as PAM set-ups
 * take them: an OpenSSH sshd with UsePAM yes, KbdInteractiveAuthentication
 * yes and PasswordAuthentication no, and a stored PASSWORD credential. The
 * scan must log in by answering PAM's password prompt; a wrong password must
 * fail AUTH_FAILED without the secret in any message.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';

import { gql, gqlOk } from '../support/graphql';
import { missingForHostStates, skipped } from '../support/host-requirements';
import { runScan, stepSummary } from '../support/scan-result';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';
import { ensureLogin, passwdTool } from '../support/users';

/**
 * Its own login: security.e2e sets hostscan-pw's password, and
 * transport.kbd-interactive hostscan-kbd's, each to its own random secret,
 * and jest runs files side by side.
 */
const USER = 'hostscan-kbdint';
const PASSWORD = `kbd-canary-${randomBytes(6).toString('hex')}`;
const WRONG = `kbd-wrong-${randomBytes(6).toString('hex')}`;

const missing = missingForHostStates('keyboard-interactive logins through PAM', []);
let stack: Stack | undefined;

async function credential(name: string, password: string): Promise<string> {
  const data = await gqlOk<{ createCredential: { id: string; kind: string } }>(
    stack!.service.httpUrl,
    ADMIN_TOKEN,
    `mutation($input: CreateCredentialInput!) { createCredential(input: $input) { id kind } }`,
    { input: { name, username: USER, password } },
  );
  expect(data.createCredential.kind).toBe('PASSWORD');
  return data.createCredential.id;
}

beforeAll(async () => {
  if (missing) return;
  await ensureLogin({ name: USER, shell: '/bin/sh' });
  await passwdTool('chpasswd', [], `${USER}:${PASSWORD}\n`);
  stack = await startStack({
    processes: ['main'],
    env: { SECRET_KEY: randomBytes(32).toString('base64') },
    sshd: {
      overrides: {
        UsePAM: 'yes',
        KbdInteractiveAuthentication: 'yes',
        PasswordAuthentication: 'no',
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('case 3: an sshd that takes passwords only through keyboard-interactive', () => {
  it('scans with a stored PASSWORD credential, answering the password prompt', async () => {
    if (missing) return skipped(missing);
    const id = await credential('kbd', PASSWORD);
    const scan = await runScan(
      stack!,
      { hostname: '127.0.0.1', port: stack!.sshd.port, credentialId: id },
      'QUICK',
    );
    expect([scan.status, scan.error]).toEqual(['COMPLETED', null]);
    expect(stepSummary(scan).every(([, status]) => status === 'SUCCEEDED')).toBe(true);
    expect(scan.result?.hostname).toBe(os.hostname());
    // The method sshd accepted: the only one it offers for passwords.
    expect(stack!.sshd.logs()).toMatch(new RegExp(`Accepted keyboard-interactive/pam for ${USER}`));
  });

  it('fails AUTH_FAILED on a wrong password, echoing no secret', async () => {
    if (missing) return skipped(missing);
    const id = await credential('kbd-wrong', WRONG);
    const scan = await runScan(
      stack!,
      { hostname: '127.0.0.1', port: stack!.sshd.port, credentialId: id },
      'QUICK',
    );
    expect([scan.status, scan.error?.code]).toEqual(['FAILED', 'AUTH_FAILED']);
    const everything = JSON.stringify(
      (
        await gql(
          stack!.service.httpUrl,
          ADMIN_TOKEN,
          `query($id: ID!) { scan(id: $id) { error { code message } steps { error { message } } attempts { error { message } } } }`,
          { id: scan.id },
        )
      ).body,
    );
    for (const secret of [WRONG, PASSWORD]) {
      expect(everything).not.toContain(secret);
      expect(stack!.service.logs()).not.toContain(secret);
    }
  });
});
