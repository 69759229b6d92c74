/**
 * /metrics and /readyz of the compiled service, split as it is deployed: an
 * API-only process and a worker-only process serving its metrics on
 * METRICS_PORT, on a real PostgreSQL, scanning a real OpenSSH sshd. Pages are
 * read with a real Prometheus text parser.
 */
import os from 'node:os';

import pg from 'pg';

import { insertScan, waitFor } from '../support/fixtures';
import { type Scrape, scrape } from '../support/prometheus';
import type { RunningService } from '../support/service';
import { type Stack, startStack } from '../support/stack';

jest.setTimeout(120_000);

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const WORKER_ID = 'metrics-worker-1';

let stack: Stack;
let worker: RunningService;
let apiMetrics: string;
let workerMetrics: string;
/** Strings no metrics page may contain: hosts, users, scan ids, worker ids. */
const secrets: string[] = [os.hostname(), '127.0.0.1', WORKER_ID];

beforeAll(async () => {
  stack = await startStack({
    processes: ['api'],
    env: { METRICS_TOKEN, REAPER_INTERVAL_MS: '500' },
  });
  worker = await stack.startWorker(WORKER_ID, { METRICS_PORT: '0' });
  const line = await worker.waitForLog(/\{[^\n]*"msg":"metrics listening"[^\n]*\}/);
  workerMetrics = (JSON.parse(line) as { url: string }).url;
  apiMetrics = stack.service.httpUrl.replace(/\/graphql$/, '/metrics');
  secrets.push(stack.sshd.username);
});

afterAll(async () => {
  await stack?.stop();
});

const apiScrape = () => scrape(apiMetrics, METRICS_TOKEN);
const workerScrape = () => scrape(workerMetrics, METRICS_TOKEN);
const readyz = async (): Promise<{
  status: number;
  body: { status: string; reasons?: string[] };
}> => {
  const res = await fetch(stack.service.httpUrl.replace(/\/graphql$/, '/readyz'), {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as { status: string } };
};

function expectNothingAboutHosts(page: Scrape): void {
  for (const s of secrets) expect(page.text).not.toContain(s);
}

it('asks for METRICS_TOKEN on the API port and on the worker metrics port', async () => {
  for (const url of [apiMetrics, workerMetrics]) {
    expect((await fetch(url)).status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status).toBe(401);
    expect(
      (await scrape(url, METRICS_TOKEN)).value('process_cpu_user_seconds_total'),
    ).toBeDefined();
  }
});

it('counts a QUICK scan, its durations and its events, and tracks live subscriptions', async () => {
  const before = await apiScrape();
  expect(before.value('hostscan_subscriptions')).toBe(0);

  // A dashboard open before the scan starts: every event it gets is live.
  const dashboard: Array<{ scanId: string; status: string }> = [];
  const stopDashboard = stack.ws.subscribe<{ scanUpdates: { scanId: string; status: string } }>(
    { query: 'subscription { scanUpdates { scanId status } }' },
    {
      next: (v) => dashboard.push(v.data!.scanUpdates),
      error: () => undefined,
      complete: () => {},
    },
  );
  await waitFor('the dashboard subscription on /metrics', async () => {
    const page = await apiScrape();
    return page.value('hostscan_subscriptions') === 1 && page;
  });
  expect((await apiScrape()).value('hostscan_websocket_connections')).toBe(1);

  const id = await stack.startScan({ target: stack.sshTarget(), type: 'QUICK' });
  secrets.push(id);
  const events = await stack.follow(id);
  expect(events.at(-1)!.status).toBe('COMPLETED');
  await waitFor('the terminal event on the dashboard', () =>
    dashboard.some((e) => e.scanId === id && e.status === 'COMPLETED'),
  );

  // Every event of the scan was committed after the dashboard subscribed.
  const logged = (
    await stack.db.pool.query<{ n: number }>(
      'select count(*)::int as n from scan_events where scan_id = $1',
      [id],
    )
  ).rows[0]!.n;
  // An event is counted once its frame is written, a moment after the client
  // may have it; the scans gauges may serve a read up to 1 s old (reuseMs).
  const api = await waitFor('every event and the finished scan counted on /metrics', async () => {
    const page = await apiScrape();
    const n = page.value('hostscan_event_delivery_lag_seconds_count', {
      subscription: 'scanUpdates',
    });
    const completed = page.value('hostscan_scans', { status: 'COMPLETED', type: 'QUICK' });
    return n === logged && completed === 1 && page;
  });
  expect(api.types.get('hostscan_scans')).toBe('GAUGE');
  expect(api.value('hostscan_scans', { status: 'COMPLETED', type: 'QUICK' })).toBe(1);
  expect(api.value('hostscan_scans', { status: 'FAILED', type: 'FULL' })).toBe(0);
  expect(api.value('hostscan_scans_pending', { pool: 'default' })).toBeUndefined();
  expect(api.value('hostscan_metrics_database_up')).toBe(1);
  expect(api.types.get('hostscan_event_delivery_lag_seconds')).toBe('HISTOGRAM');
  expect(logged).toBeGreaterThan(5);
  expect(
    api.value('hostscan_event_delivery_lag_seconds_sum', { subscription: 'scanUpdates' }),
  ).toBeGreaterThan(0);
  expectNothingAboutHosts(api);

  // The scan ran on the worker: its histograms are on the worker's port.
  const w = await workerScrape();
  expect(w.types.get('hostscan_scan_duration_seconds')).toBe('HISTOGRAM');
  const labels = { type: 'QUICK', status: 'COMPLETED' };
  expect(w.value('hostscan_scan_duration_seconds_count', labels)).toBe(1);
  const { seconds } = (
    await stack.db.pool.query<{ seconds: number }>(
      'select extract(epoch from completed_at - started_at)::float8 as seconds from scans where id = $1',
      [id],
    )
  ).rows[0]!;
  // The worker's figure comes from the two timestamps as JavaScript Dates,
  // whole milliseconds each; the database's difference keeps microseconds.
  const observed = w.value('hostscan_scan_duration_seconds_sum', labels) ?? NaN;
  expect(Math.abs(observed - seconds)).toBeLessThan(0.0011);
  for (const step of ['os', 'hostname', 'uptime', 'disk', 'memory']) {
    expect(
      w.value('hostscan_scan_step_duration_seconds_count', { step, status: 'SUCCEEDED' }),
    ).toBe(1);
  }
  expect(w.value('hostscan_scans', { status: 'COMPLETED', type: 'QUICK' })).toBeUndefined();
  expectNothingAboutHosts(w);

  // The scan's own stream completed; the dashboard is the one left, until it goes.
  expect((await apiScrape()).value('hostscan_subscriptions')).toBe(1);
  stopDashboard();
  await waitFor('no subscription on /metrics', async () => {
    const page = await apiScrape();
    return page.value('hostscan_subscriptions') === 0 && page;
  });
});

it('counts expired leases, re-queued and failed, across the processes that reap them', async () => {
  // Two scans of a pool no worker serves, held by a worker that is gone.
  const requeued = await insertScan(stack.db.pool, { hostname: 'lost-a.test', pool: 'nowhere' });
  const failed = await insertScan(stack.db.pool, { hostname: 'lost-b.test', pool: 'nowhere' });
  secrets.push('lost-a.test', 'lost-b.test', requeued.id, failed.id);
  for (const [scan, attempt] of [
    [requeued, 1],
    [failed, 3],
  ] as const) {
    await stack.db.pool.query(
      `update scans set status = 'RUNNING', attempt = $2, worker_id = 'gone',
         started_at = now() - interval '2 seconds', lease_expires_at = now() - interval '1 second'
       where id = $1`,
      [scan.id, attempt],
    );
  }
  await waitFor('both leases reaped', async () => {
    const { rows } = await stack.db.pool.query<{ status: string }>(
      `select status from scans where id = any($1::uuid[]) order by status`,
      [[requeued.id, failed.id]],
    );
    return rows.map((r) => r.status).join() === 'FAILED,PENDING';
  });

  // Either process's reaper may have taken either row: the counts add up.
  const pages = [
    await waitFor('the pending gauge to show the re-queued scan', async () => {
      const page = await apiScrape();
      return page.value('hostscan_scans_pending', { pool: 'nowhere' }) === 1 && page;
    }),
    await workerScrape(),
  ];
  const total = (name: string, labels: Record<string, string>) =>
    pages.reduce((n, p) => n + (p.value(name, labels) ?? 0), 0);
  expect(total('hostscan_lease_expiries_total', { outcome: 'requeued' })).toBe(1);
  expect(total('hostscan_lease_expiries_total', { outcome: 'failed' })).toBe(1);
  expect(total('hostscan_scan_requeues_total', { reason: 'lease_expired' })).toBe(1);
  expect(total('hostscan_scan_duration_seconds_count', { type: 'QUICK', status: 'FAILED' })).toBe(
    1,
  );
  for (const page of pages) expectNothingAboutHosts(page);
});

it('answers /readyz 503 while the LISTEN connection is down, and 200 once it is back', async () => {
  expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
  const admin = new pg.Client({ connectionString: process.env.HOSTSCAN_TEST_ADMIN_URL });
  await admin.connect();
  try {
    // No new connection may reach the database, so the LISTEN connection
    // stays down after the kill for as long as the test looks.
    await admin.query(`alter database ${stack.db.name} allow_connections false`);
    const { rows } = await admin.query<{ ok: boolean }>(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
       where datname = $1 and application_name = 'hostscan-api-listen'`,
      [stack.db.name],
    );
    expect(rows).toEqual([{ ok: true }]);
    const down = await waitFor('/readyz to say 503', async () => {
      const r = await readyz();
      return r.status === 503 && r;
    });
    expect(down.body.status).toBe('not ready');
    expect(down.body.reasons).toContain('LISTEN connection down');
  } finally {
    await admin.query(`alter database ${stack.db.name} allow_connections true`);
    await admin.end();
  }
  await waitFor('/readyz to say 200 again', async () => (await readyz()).status === 200);
  const again = await stack.db.pool.query(
    `select 1 from pg_stat_activity where datname = current_database() and application_name = 'hostscan-api-listen'`,
  );
  expect(again.rowCount).toBe(1);
});

it('answers /readyz 503 while a migration of this build is not applied', async () => {
  const { rows } = await stack.db.pool.query<{ id: number; name: string; executed_at: Date }>(
    `delete from mikro_orm_migrations
     where id = (select max(id) from mikro_orm_migrations) returning id, name, executed_at`,
  );
  try {
    expect(await readyz()).toEqual({
      status: 503,
      body: { status: 'not ready', reasons: ['1 migration pending'] },
    });
  } finally {
    const row = rows[0]!;
    await stack.db.pool.query(
      'insert into mikro_orm_migrations (id, name, executed_at) values ($1, $2, $3)',
      [row.id, row.name, row.executed_at],
    );
  }
  expect((await readyz()).status).toBe(200);
});
