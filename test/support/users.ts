import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Creates a login user with /bin/sh for key logins (root only). Returns false
 * when not root: callers skip what needs it, and under CI=true that is an error.
 */
export async function ensureUser(name: string): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true')
      throw new Error(`CI runs as root to create the test user ${name}`);
    return false;
  }
  try {
    await execFileAsync('id', ['-u', name]);
  } catch {
    try {
      await execFileAsync('useradd', ['-m', '-s', '/bin/sh', name]);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 9)
        throw new Error(`cannot create user ${name}`, { cause: e });
    }
  }
  await execFileAsync('usermod', ['-p', '*', name]);
  return true;
}
