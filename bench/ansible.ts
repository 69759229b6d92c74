import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * One cold `ansible -m setup` run against 127.0.0.1:`port`, in ms. Async: a
 * proxy in the bench's own process must keep forwarding meanwhile.
 */
export async function ansibleSetup(user: string, keyPath: string, port: number): Promise<number> {
  const t0 = performance.now();
  await execFileAsync(
    '/usr/bin/ansible',
    [
      'all',
      '-i',
      '127.0.0.1,',
      '-m',
      'setup',
      '-u',
      user,
      '--private-key',
      keyPath,
      '-e',
      `ansible_port=${port}`,
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      '--ssh-common-args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
    ],
    {
      timeout: 120_000,
      env: {
        ...process.env,
        ANSIBLE_HOST_KEY_CHECKING: 'False',
        // Cold runs: no ControlPersist master carries one run's connection to the next.
        ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
      },
    },
  );
  return performance.now() - t0;
}
