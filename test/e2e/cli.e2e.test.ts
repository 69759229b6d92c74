/**
 * End to end: the built `hostscan` CLI run as a child process against the
 * compiled service (API + worker) and a real sshd, with and without a TTY;
 * exit statuses asserted for each outcome.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { findFreePort } from '../../src/util/net';
import { runCli } from '../support/cli';
import { waitFor } from '../support/fixtures';
import { gqlOk } from '../support/graphql';
import {
  ADMIN_TOKEN,
  BROKEN_USER,
  DELAYED_DF_USER,
  SLOW_USER,
  type Stack,
  startStack,
} from '../support/stack';

let stack: Stack;
let env: Record<string, string>;
let target: string;

beforeAll(async () => {
  stack = await startStack({
    users: ['broken', 'slow', 'df-delay'],
    // Also on ::1, for targets written as [::1]:PORT. sshd keeps every
    // ListenAddress it reads; the override is one line of the base config.
    sshd: { overrides: { ListenAddress: '127.0.0.1\nListenAddress ::1' } },
    processes: ['main'],
  });
  env = { HOSTSCAN_URL: stack.service.httpUrl, HOSTSCAN_TOKEN: ADMIN_TOKEN };
  target = `${stack.sshd.username}@127.0.0.1:${stack.sshd.port}`;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** The scan's status as the API reports it. */
async function statusOf(id: string): Promise<string> {
  const data = await gqlOk<{ scan: { status: string } }>(
    stack.service.httpUrl,
    ADMIN_TOKEN,
    `query ($id: ID!) { scan(id: $id) { status } }`,
    { id },
  );
  return data.scan.status;
}

describe('hostscan scan --watch', () => {
  it('prints one plain line per event without a TTY, then the results, and exits 0', async () => {
    const r = await runCli(['scan', target, '--watch'], { env });
    expect(r.stderr).not.toMatch(/\u2588|\u2591/); // no bar characters in a pipe
    expect(r.stderr).toMatch(/RUNNING\s+\d+% step os/);
    expect(r.stderr).toMatch(/RUNNING\s+\d+% step disk/);
    expect(r.stderr).toMatch(/COMPLETED 100%/);
    expect(r.stdout).toMatch(/: COMPLETED in /);
    expect(r.stdout).toContain(`Kernel:    ${os.release()}`);
    expect(r.stdout).toMatch(/Memory: +\S+ \S+ used of /);
    expect(r.stdout).toMatch(/Disks: +\d+/);
    expect(r.code).toBe(0);
  });

  it('draws a live progress bar with the step on a TTY and exits 0', async () => {
    // A QUICK scan on loopback ends in ~130 ms, sooner than the bar's first
    // redraw may come: the delayed-df login holds it at the disk step for 3 s.
    const held = stack.haveSpecialUsers
      ? `${DELAYED_DF_USER}@127.0.0.1:${stack.sshd.port}`
      : target;
    const r = await runCli(['scan', held, '--watch', '--type', 'quick'], { env, tty: true });
    // script(1) merges both streams into its stdout.
    expect(r.stdout).toMatch(/\u2588{30} 100% \| COMPLETED/);
    expect(r.stdout).toMatch(/\u2591+ +\d+% \| RUNNING (os|hostname|uptime|disk|memory)\b/);
    expect(r.stdout).toMatch(/OS: +\S/);
    expect(r.code).toBe(0);
  });

  it('prints the finished scan as JSON with --json', async () => {
    const r = await runCli(['scan', target, '--watch', '--json'], { env });
    const scan = JSON.parse(r.stdout) as {
      status: string;
      host: { port: number };
      result: { os: { kernel: string }; memory: { totalBytes: number } };
    };
    expect(scan.status).toBe('COMPLETED');
    expect(scan.host.port).toBe(stack.sshd.port);
    expect(scan.result.os.kernel).toBe(os.release());
    expect(scan.result.memory.totalBytes).toBe(os.totalmem() - (os.totalmem() % 1024));
    expect(r.stderr).toBe(''); // JSON mode shows no progress
    expect(r.code).toBe(0);
  });

  it('exits 2 when a step fails and the scan ends PARTIAL', async () => {
    if (!stack.haveSpecialUsers) {
      console.warn('skipped: the failing-df login needs root to create');
      return;
    }
    const r = await runCli(
      ['scan', `127.0.0.1:${stack.sshd.port}`, '--user', BROKEN_USER, '--watch'],
      { env },
    );
    expect(r.stdout).toMatch(/: PARTIAL in /);
    expect(r.stdout).toMatch(/Failed: +step disk: /);
    expect(r.code).toBe(2);
  });

  it('exits 1 when the scan fails (nothing listens on the port)', async () => {
    const closed = await findFreePort();
    const r = await runCli(['scan', `127.0.0.1:${closed}`, '--watch'], { env });
    expect(r.stdout).toMatch(/: FAILED in /);
    expect(r.stdout).toMatch(/Error: +CONNECTION_REFUSED/);
    expect(r.code).toBe(1);
  });
});

describe('hostscan scan and watch', () => {
  it('without --watch prints the id at once; watch ID follows it to the end', async () => {
    const started = await runCli(['scan', target, '--type', 'FULL'], { env });
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.stderr).toContain(`hostscan watch ${id}`);
    const watched = await runCli(['watch', id], { env });
    expect(watched.stdout).toMatch(/Packages: +\d+ \(dpkg\)/);
    expect(watched.code).toBe(0);
    expect(await statusOf(id)).toBe('COMPLETED');
  });
});

describe('errors', () => {
  it('exits 3 with the usage for a bad type, a bad target or a missing argument', async () => {
    const badType = await runCli(['scan', target, '--type', 'HUGE'], { env });
    expect(badType.stderr).toMatch(/QUICK, FULL, PATCHES/);
    expect(badType.code).toBe(3);
    const badTarget = await runCli(['scan', '127.0.0.1:70000'], { env });
    expect(badTarget.stderr).toMatch(/bad target "127.0.0.1:70000": the port/);
    expect(badTarget.code).toBe(3);
    const missing = await runCli(['cancel'], { env });
    expect(missing.stderr).toMatch(/missing required argument 'id'/);
    expect(missing.code).toBe(3);
  });

  it('exits 3 and names the token when the server refuses it', async () => {
    const r = await runCli(['workers'], { env: { ...env, HOSTSCAN_TOKEN: 'not-a-token' } });
    expect(r.stderr).toMatch(/refused the token \(UNAUTHENTICATED\)/);
    expect(r.code).toBe(3);
    const none = await runCli(['workers'], { env: { HOSTSCAN_URL: env.HOSTSCAN_URL! } });
    expect(none.stderr).toMatch(/no token: set HOSTSCAN_TOKEN or pass --token/);
    expect(none.code).toBe(3);
  });

  it('exits 3 when nothing answers at the URL', async () => {
    const port = await findFreePort();
    const r = await runCli(
      ['scan', target, '--watch', '--url', `http://127.0.0.1:${port}/graphql`],
      {
        env,
      },
    );
    expect(r.stderr).toMatch(/cannot reach http:\/\/127.0.0.1:\d+\/graphql: connection refused/);
    expect(r.code).toBe(3);
  });
});

describe('history, cancel, workers', () => {
  it('history lists the finished scans of a host, newest first; --json parses', async () => {
    const r = await runCli(['history', `127.0.0.1:${stack.sshd.port}`], { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FINISHED +HOST +TYPE +STATUS +DURATION +BY +ID/);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(r.stdout).toContain('COMPLETED');

    const json = await runCli(
      ['history', `127.0.0.1:${stack.sshd.port}`, '--json', '--limit', '50'],
      { env },
    );
    const items = JSON.parse(json.stdout) as Array<{ status: string; completedAt: string }>;
    expect(items.length).toBe(lines.length - 1);
    const times = items.map((i) => Date.parse(i.completedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('cancel stops a running scan (exit 0) and watching it then exits 1', async () => {
    if (!stack.haveSpecialUsers) {
      console.warn('skipped: the hanging-df login needs root to create');
      return;
    }
    const id = await stack.startScan({
      target: stack.sshTarget({ username: SLOW_USER }),
      type: 'QUICK',
    });
    await waitFor('the slow scan to run', async () => (await statusOf(id)) === 'RUNNING');
    const r = await runCli(['cancel', id], { env });
    expect(r.stdout).toContain(`scan ${id} of 127.0.0.1:${stack.sshd.port}:`);
    expect(r.code).toBe(0);
    const watched = await runCli(['watch', id], { env });
    expect(watched.stdout).toMatch(/: CANCELLED in /);
    expect(watched.code).toBe(1);
  });

  it('cancel of an unknown scan exits 1 with the server reason', async () => {
    const r = await runCli(['cancel', '00000000-0000-4000-8000-000000000000'], { env });
    expect(r.stderr).toMatch(/NOT_FOUND/);
    expect(r.code).toBe(1);
  });

  it('workers lists the running worker', async () => {
    const r = await runCli(['workers'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ID +STATE +HOSTNAME +RUNNING +POOLS +LAST SEEN\n.+ ACTIVE +\S+ +\d+\/\d+ +default/,
    );
    const json = JSON.parse((await runCli(['workers', '--json'], { env })).stdout) as Array<{
      state: string;
      hostname: string;
    }>;
    expect(json.map((w) => w.state)).toContain('ACTIVE');
    expect(json[0]!.hostname).toBe(os.hostname());
  });
});

describe('hostscan fleet', () => {
  it('starts each line of a file, follows them all and exits with the worst outcome', async () => {
    const closed = await findFreePort();
    const file = path.join(os.tmpdir(), `hostscan-fleet-${process.pid}.txt`);
    writeFileSync(
      file,
      [
        '# two hosts that answer and one that does not',
        `127.0.0.1:${stack.sshd.port}   # IPv4`,
        '',
        `[::1]:${stack.sshd.port}`,
        `127.0.0.1:${closed}`,
      ].join('\n'),
    );
    const r = await runCli(['fleet', file, '--user', stack.sshd.username, '--watch'], { env });
    const row = (t: string) => r.stdout.split('\n').find((l) => l.startsWith(t)) ?? '';
    expect(row(`${stack.sshd.username}@127.0.0.1:${stack.sshd.port} `)).toMatch(/ COMPLETED /);
    expect(row(`${stack.sshd.username}@[::1]:${stack.sshd.port} `)).toMatch(/ COMPLETED /);
    // startScans where the server has it (wt-11a's batch), else one call per target.
    const mutations = await gqlOk<{ __type: { fields: Array<{ name: string }> } }>(
      stack.service.httpUrl,
      ADMIN_TOKEN,
      `{ __type(name: "Mutation") { fields { name } } }`,
    );
    const hasBatch = mutations.__type.fields.some((f) => f.name === 'startScans');
    expect(r.stderr).toContain(
      hasBatch ? 'started with startScans (one request for 3 targets)' : 'one startScan per target',
    );
    expect(row(`${stack.sshd.username}@127.0.0.1:${closed} `)).toMatch(
      / FAILED .*CONNECTION_REFUSED/,
    );
    expect(r.code).toBe(1);
  });

  it('reads targets from stdin, prints the started scans as JSON and exits 0', async () => {
    // The same target twice: the second line finds the first's scan under way.
    const r = await runCli(['fleet', '-', '--json'], {
      env,
      input: `${target}\n\n# again\n${target}\n`,
    });
    const started = JSON.parse(r.stdout) as Array<{
      target: string;
      scan: { id: string; status: string } | null;
      error: { code: string; scanId?: string } | null;
    }>;
    expect(started.map((s) => s.target)).toEqual([target, `${target} #2`]);
    expect(started[0]!.scan?.status).toBe('PENDING');
    expect(started[1]!.scan).toBeNull();
    expect(started[1]!.error).toMatchObject({
      code: 'SCAN_IN_PROGRESS',
      scanId: started[0]!.scan!.id,
    });
    expect(r.code).toBe(0);
    await stack.follow(started[0]!.scan!.id);
  });

  it('refuses a file with a bad line, naming the line (exit 3)', async () => {
    const r = await runCli(['fleet', '-'], { env, input: `${target}\nhost:notaport\n` });
    expect(r.stderr).toMatch(/stdin:2: bad target "host:notaport"/);
    expect(r.code).toBe(3);
  });
});

describe('npx', () => {
  it('runs the bin from the checkout as `npx --no -- hostscan`', () => {
    const r = spawnSync('npx', ['--no', '--', 'hostscan', 'workers', '--json'], {
      cwd: path.join(__dirname, '..', '..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(r.stdout)).toEqual(expect.any(Array));
    expect(r.status).toBe(0);
  });
});
