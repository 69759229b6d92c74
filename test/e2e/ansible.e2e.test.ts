/**
 * Cross-check against an independent fact gatherer: Ansible's `setup` module
 * run over SSH against the same sshd must report the same hostname, kernel,
 * OS version, memory, root filesystem size and interfaces as our scans.
 * Skipped (with a message) when ansible is not installed; CI installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { gqlOk } from '../support/graphql';
import { usingFallbackSshd } from '../support/sshd';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

const ANSIBLE = '/usr/bin/ansible';

interface AnsibleFacts {
  ansible_nodename: string;
  ansible_kernel: string;
  ansible_distribution_major_version: string;
  ansible_memtotal_mb: number;
  ansible_interfaces: string[];
  ansible_mounts: Array<{ mount: string; size_total: number }>;
}

interface Result {
  hostname: string;
  os: { kernel: string; versionId: string };
  memory: { totalBytes: number };
  disks: Array<{ mount: string; sizeBytes: number }>;
  interfaces: Array<{ name: string }>;
}

let stack: Stack;
let tmp: string;
const haveAnsible = existsSync(ANSIBLE);
/** Ansible copies its modules over sftp/scp, which the stand-in SSH server lacks. */
const fallback = usingFallbackSshd();

beforeAll(async () => {
  if (!haveAnsible) {
    if (process.env.CI === 'true')
      throw new Error(`${ANSIBLE} missing: .ci/run installs ansible-core`);
    return;
  }
  if (fallback) return;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-ansible-'));
  stack = await startStack({ processes: ['main'] });
});

afterAll(async () => {
  await stack?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function gatherWithAnsible(): { facts: AnsibleFacts; ms: number } {
  const key = path.join(tmp, 'key');
  writeFileSync(key, stack.sshd.privateKey, { mode: 0o600 });
  const started = Date.now();
  const out = execFileSync(
    ANSIBLE,
    [
      'all',
      '-i',
      '127.0.0.1,',
      '-m',
      'setup',
      '-u',
      stack.sshd.username,
      '--private-key',
      key,
      '-e',
      `ansible_port=${stack.sshd.port}`,
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      '--ssh-common-args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        // ansible-core (Debian's package) has no `json` callback: that one
        // lives in the ansible.posix collection. `minimal` prints
        // "<host> | SUCCESS => <the module's JSON result>".
        ANSIBLE_STDOUT_CALLBACK: 'minimal',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_HOST_KEY_CHECKING: 'False',
        // No ControlPersist master: it outlived the test by 60 s, holding a
        // connection to the test's sshd (and jest's worker from exiting).
        ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
        ANSIBLE_LOCAL_TEMP: path.join(tmp, 'ansible-local'),
      },
    },
  );
  const ms = Date.now() - started;
  const marker = '127.0.0.1 | SUCCESS => ';
  const at = out.indexOf(marker);
  if (at < 0) throw new Error(`unexpected ansible output: ${out.slice(0, 500)}`);
  const parsed = JSON.parse(out.slice(at + marker.length)) as { ansible_facts: AnsibleFacts };
  return { facts: parsed.ansible_facts, ms };
}

it('agrees with ansible setup facts gathered from the same host', async () => {
  if (!haveAnsible) {
    process.stdout.write(
      '[e2e] skipped: ansible is not installed (apt-get install ansible-core)\n',
    );
    return;
  }
  if (fallback) {
    process.stdout.write('[e2e] skipped: ansible needs OpenSSH (sftp), not the stand-in server\n');
    return;
  }
  const started = Date.now();
  const id = await stack.startScan({ target: stack.sshTarget(), type: 'FULL' });
  const events = await stack.follow(id);
  const ourMs = Date.now() - started;
  expect(events[events.length - 1]!.status).toBe('COMPLETED');
  const { scan } = await gqlOk<{ scan: { result: Result } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `query($id: ID!) { scan(id: $id) { result {
      hostname os { kernel versionId } memory { totalBytes } disks { mount sizeBytes } interfaces { name } } } }`,
    { id },
  );
  const { facts, ms } = gatherWithAnsible();
  const r = scan.result;
  expect(r.hostname).toBe(facts.ansible_nodename);
  expect(r.os.kernel).toBe(facts.ansible_kernel);
  expect(r.os.versionId.split('.')[0]).toBe(facts.ansible_distribution_major_version);
  expect(Math.floor(r.memory.totalBytes / 1024 / 1024)).toBe(facts.ansible_memtotal_mb);
  const ansibleRoot = facts.ansible_mounts.find((m) => m.mount === '/')!;
  expect(r.disks.find((d) => d.mount === '/')!.sizeBytes).toBe(ansibleRoot.size_total);
  expect(r.interfaces.map((i) => i.name).sort()).toEqual([...facts.ansible_interfaces].sort());
  process.stdout.write(`[e2e] FULL scan incl. queueing: ${ourMs} ms; ansible setup: ${ms} ms\n`);
});
