import { execFile } from 'node:child_process';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs a shadow-utils command (useradd, usermod, chpasswd), retrying while
 * another test file holds the /etc/passwd lock: files run in parallel, and
 * these tools give up at once on a busy lock.
 */
export async function passwdTool(cmd: string, args: string[], input?: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const run = execFileAsync(cmd, args);
      if (input !== undefined) run.child.stdin?.end(input);
      return (await run).stdout;
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? '');
      if (attempt >= 20 || !/lock|try again/i.test(stderr)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

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
      await passwdTool('useradd', ['-m', '-s', '/bin/sh', name]);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 9)
        throw new Error(`cannot create user ${name}`, { cause: e });
    }
  }
  await passwdTool('usermod', ['-p', '*', name]);
  return true;
}

/** A login as real fleets have them: its own shell and start-up files. */
export interface LoginSpec {
  name: string;
  /** Absolute path of the login shell. */
  shell: string;
  /** Files under the home directory (relative path to content), e.g. `.ssh/rc`. */
  files?: Record<string, string>;
}

/** The start-up files a LoginSpec may set: any not in its `files` is removed. */
const STARTUP_FILES = [
  '.ssh/rc',
  '.bashrc',
  '.profile',
  '.bash_profile',
  '.zshenv',
  '.zshrc',
  '.cshrc',
  '.tcshrc',
  '.config/fish/config.fish',
];

/**
 * Creates (or resets) a login user with `shell` and exactly `files` among the
 * start-up files, owned by the user (root only; see ensureUser). A re-run
 * after a change of spec finds the user as the spec now says.
 */
export async function ensureLogin(spec: LoginSpec): Promise<boolean> {
  if (!(await ensureUser(spec.name))) return false;
  await passwdTool('usermod', ['-s', spec.shell, spec.name]);
  const { stdout } = await execFileAsync('getent', ['passwd', spec.name]);
  const [, , uid, gid, , home] = stdout.trim().split(':');
  if (!home) throw new Error(`no home directory for ${spec.name}`);
  const files = spec.files ?? {};
  for (const rel of STARTUP_FILES)
    if (!(rel in files)) await rm(path.join(home, rel), { force: true });
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(home, rel);
    const dirs = path.relative(home, path.dirname(file)).split(path.sep).filter(Boolean);
    for (let i = 1; i <= dirs.length; i++) {
      const d = path.join(home, ...dirs.slice(0, i));
      await mkdir(d, { recursive: true, mode: 0o700 });
      await chown(d, Number(uid), Number(gid));
    }
    await writeFile(file, content, { mode: 0o644 });
    await chown(file, Number(uid), Number(gid));
  }
  return true;
}
