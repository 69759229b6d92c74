import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The arguments of `ansible PATTERN -i INVENTORY ... -m setup` as both runs
 * give them: the login, its key, the target's Python, no host key checks;
 * `extra` (a port, a fork count) goes before the module.
 */
function setupArgs(
  pattern: string,
  inventory: string,
  user: string,
  keyPath: string,
  extra: string[],
): string[] {
  return [
    pattern,
    '-i',
    inventory,
    ...extra,
    '-m',
    'setup',
    '-u',
    user,
    '--private-key',
    keyPath,
    '-e',
    'ansible_python_interpreter=/usr/bin/python3',
    '--ssh-common-args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
  ];
}

/** Cold runs: no host key prompt, and no ControlPersist master carrying one run's connection to the next. */
const COLD_SSH_ENV = {
  ANSIBLE_HOST_KEY_CHECKING: 'False',
  ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
};

/**
 * One cold `ansible -m setup` run against 127.0.0.1:`port`, in ms. Async: a
 * proxy in the bench's own process must keep forwarding meanwhile.
 */
export async function ansibleSetup(user: string, keyPath: string, port: number): Promise<number> {
  const t0 = performance.now();
  await execFileAsync(
    '/usr/bin/ansible',
    setupArgs('all', '127.0.0.1,', user, keyPath, ['-e', `ansible_port=${port}`]),
    { timeout: 120_000, env: { ...process.env, ...COLD_SSH_ENV } },
  );
  return performance.now() - t0;
}

/**
 * One cold `ansible -m setup` over every port in `ports` (127.0.0.1, one
 * inventory host per port) with `forks` forks, in ms. A fresh ControlPath
 * directory per run keeps any ControlMaster from an earlier run out of it.
 */
export async function ansibleFleetSetup(
  user: string,
  keyPath: string,
  ports: number[],
  forks: number,
): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-ansible-'));
  try {
    const inventory = path.join(dir, 'inventory.ini');
    writeFileSync(
      inventory,
      `[fleet]\n${ports.map((p, i) => `h${i} ansible_host=127.0.0.1 ansible_port=${p}`).join('\n')}\n`,
    );
    const t0 = performance.now();
    await execFileAsync(
      '/usr/bin/ansible',
      setupArgs('fleet', inventory, user, keyPath, ['-f', String(forks)]),
      {
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ...COLD_SSH_ENV,
          ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'),
          // Ansible at its fastest: the module goes over the ssh command's
          // stdin (no temp file, no sftp/scp attempts the test sshd refuses).
          ANSIBLE_PIPELINING: 'True',
          ANSIBLE_SSH_TRANSFER_METHOD: 'piped',
        },
      },
    ).catch((e: unknown) => {
      // Its error carries every host's facts: keep the first lines of stderr.
      const { stderr, signal } = e as { stderr?: string; signal?: string };
      throw new Error(
        `ansible failed${signal ? ` (${signal})` : ''}: ${(stderr ?? '').split('\n').slice(0, 4).join(' ')}`,
      );
    });
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
