/**
 * Fleet rows of `npm run bench` (BENCH_ONLY=fleet runs only these):
 *
 * - a 50-host fleet behind a slow link (one delay proxy per host, 25 ms each
 *   way), QUICK and FULL with the service's default settings, beside
 *   `ansible -m setup` (forks 50) through the same proxies;
 * - a loopback fleet (ports fanned in to one sshd): scans/s, and CPU ms per
 *   scan split by process tree (service, PostgreSQL, sshd, this bench);
 * - dispatch latency, commit to claim, one at a time and in bursts of 50 and
 *   1,000, beside graphile-worker (add_job commit to task start) on the same
 *   PostgreSQL with the same concurrency.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Logger as GraphileLogger, run as runGraphile } from 'graphile-worker';
import pg from 'pg';

import * as sql from '../src/queue/sql';
import { startDelayProxy } from '../test/support/delay-proxy';
import { followScan, gqlOk, wsClient } from '../test/support/graphql';
import { startPortFanIn } from '../test/support/port-fan-in';
import { type RunningService, startService } from '../test/support/service';
import type { TestSshd } from '../test/support/sshd';
import { ansibleFleetSetup } from './ansible';
import { cpuProfileEnv } from './cpu-profile-env';
import { cpuDelta, rssMiB, treeCpuMs } from './proc-cpu';

export interface FleetContext {
  readonly service: RunningService;
  readonly token: string;
  readonly sshd: TestSshd;
  readonly keyPath: string;
  readonly databaseUrl: string;
  /** PID of the PostgreSQL postmaster when the bench runs it (embedded), else null. */
  readonly postgresPid: number | null;
  /** The WORKER_CONCURRENCY the service runs with ("default" when unset). */
  readonly concurrencyLabel: string;
}

const HOSTS = Number(process.env.BENCH_FLEET_HOSTS ?? 50);
const ONE_WAY_MS = Number(process.env.BENCH_FLEET_ONE_WAY_MS ?? 25);
const LOOPBACK_SCANS = Number(process.env.BENCH_FLEET_SCANS ?? 100);
const DISPATCH_ONE_RUNS = Number(process.env.BENCH_DISPATCH_RUNS ?? 30);
const STARTSCANS_TARGETS = Number(process.env.BENCH_STARTSCANS_TARGETS ?? 1000);
/** Which sections run: `delayed`, `loopback`, `dispatch` (all by default). */
const SECTIONS = (process.env.BENCH_FLEET_SECTIONS ?? 'delayed,loopback,dispatch').split(',');
const DISPATCH_BURSTS = (process.env.BENCH_DISPATCH_BURSTS ?? '50,1000').split(',').map(Number);

type Row = [string, string];

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms1 = (v: number) => `${v.toFixed(1)} ms`;
const wallNow = () => performance.timeOrigin + performance.now();

/** Starts one scan per port at once, follows each to its end; returns the wall time in ms. */
async function runFleet(
  ctx: FleetContext,
  ports: number[],
  type: string,
): Promise<{ ms: number; completed: number }> {
  // One socket carries up to 50 subscriptions here (the API allows 100 operations).
  const followers = Array.from({ length: Math.ceil(ports.length / 50) }, () =>
    wsClient(ctx.service.wsUrl, ctx.token),
  );
  try {
    const t0 = performance.now();
    // One startScans call for the whole fleet, as an operator starts one.
    const { startScans } = await gqlOk<{
      startScans: {
        results: Array<{ scan: { id: string } | null; error: { code: string } | null }>;
      };
    }>(
      ctx.service.httpUrl,
      ctx.token,
      `mutation($targets: [ScanTargetInput!]!, $t: ScanType!) { startScans(input: { targets: $targets, type: $t }) { results { scan { id } error { code } } } }`,
      {
        targets: ports.map((p) => ({
          hostname: '127.0.0.1',
          port: p,
          username: ctx.sshd.username,
        })),
        t: type,
      },
    );
    const ids = startScans.results.map((r) => {
      if (!r.scan) throw new Error(`startScans refused a target: ${r.error?.code}`);
      return r.scan.id;
    });
    const done = await Promise.all(
      ids.map(
        (id, i) =>
          followScan(followers[Math.floor(i / 50)]!, id, { fields: 'status', timeoutMs: 600_000 })
            .done,
      ),
    );
    const ms = performance.now() - t0;
    const completed = done.filter((e) => e[e.length - 1]?.status === 'COMPLETED').length;
    if (completed < ids.length) await reportUnfinished(ctx, ids, done);
    return { ms, completed };
  } catch (e) {
    // The service's own error lines say more than "Internal server error".
    const errors = ctx.service
      .logs()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l))
      .slice(-3);
    throw new Error(
      `fleet of ${ports.length} ${type} failed; service errors:\n${errors.join('\n')}`,
      {
        cause: e,
      },
    );
  } finally {
    await Promise.all(followers.map((f) => f.dispose()));
  }
}

/** Prints why scans of a fleet did not complete (a figure without its reason is no use). */
async function reportUnfinished(
  ctx: FleetContext,
  ids: string[],
  done: Array<Array<{ status?: string }>>,
): Promise<void> {
  const failed = ids.filter((_, i) => done[i]![done[i]!.length - 1]?.status !== 'COMPLETED');
  for (const id of failed.slice(0, 5)) {
    const { scan } = await gqlOk<{
      scan: { status: string; error: { code: string; message: string } | null } | null;
    }>(
      ctx.service.httpUrl,
      ctx.token,
      `query($id: ID!) { scan(id: $id) { status error { code message } } }`,
      { id },
    );
    console.error(
      `[fleet] scan ${id} ended ${scan?.status}: ${scan?.error?.code} ${scan?.error?.message}`,
    );
  }
}

async function delayedFleetRows(ctx: FleetContext): Promise<Row[]> {
  const proxies = await Promise.all(
    Array.from({ length: HOSTS }, () => startDelayProxy(ctx.sshd.port, ONE_WAY_MS)),
  );
  const rows: Row[] = [];
  try {
    const ports = proxies.map((p) => p.port);
    const link = `${2 * ONE_WAY_MS} ms RTT`;
    // First contact pins each host key: do it once so both types run alike.
    await runFleet(ctx, ports, 'QUICK');
    const times: Record<string, number> = {};
    for (const type of ['QUICK', 'FULL']) {
      const { ms, completed } = await runFleet(ctx, ports, type);
      times[type] = ms;
      rows.push([
        `${HOSTS}-host fleet over a ${link} proxy, ${type}, WORKER_CONCURRENCY=${ctx.concurrencyLabel}`,
        `${completed}/${HOSTS} COMPLETED in ${(ms / 1000).toFixed(2)} s`,
      ]);
    }
    if (existsSync('/usr/bin/ansible')) {
      const label = `ansible -m setup, forks ${HOSTS}, pipelining, the same hosts and proxies (cold)`;
      try {
        const ms = await ansibleFleetSetup(ctx.sshd.username, ctx.keyPath, ports, HOSTS);
        rows.push([
          label,
          `${(ms / 1000).toFixed(2)} s = ${(ms / times.QUICK!).toFixed(1)}× QUICK, ${(ms / times.FULL!).toFixed(1)}× FULL`,
        ]);
      } catch (e) {
        rows.push([label, (e as Error).message.slice(0, 200)]);
      }
    }
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
  }
  return rows;
}

async function loopbackFleetRows(ctx: FleetContext): Promise<Row[]> {
  const fan = await startPortFanIn(ctx.sshd.port, LOOPBACK_SCANS);
  try {
    // Pin the host keys first (TOFU writes once per host), then measure.
    await runFleet(ctx, fan.ports, 'QUICK');
    const sshdPid = Number(readFileSync(path.join(ctx.sshd.dir, 'sshd.pid'), 'utf8').trim());
    const roots: Record<string, number> = {
      service: ctx.service.child.pid!,
      ...(ctx.postgresPid ? { postgres: ctx.postgresPid } : {}),
      sshd: sshdPid,
    };
    let peakRss = 0;
    const rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB(ctx.service.child.pid!));
    }, 50);
    const benchBefore = process.cpuUsage();
    const before = treeCpuMs(roots);
    const { ms, completed } = await runFleet(ctx, fan.ports, 'QUICK');
    const delta = cpuDelta(before, treeCpuMs(roots));
    const bench = process.cpuUsage(benchBefore);
    clearInterval(rssTimer);
    delta.bench = (bench.user + bench.system) / 1000;
    const perScan = Object.entries(delta)
      .map(([k, v]) => `${k} ${(v / LOOPBACK_SCANS).toFixed(1)}`)
      .join(', ');
    const totalCpu = Object.values(delta).reduce((a, b) => a + b, 0);
    return [
      [
        `${LOOPBACK_SCANS} QUICK scans on loopback (distinct ports), WORKER_CONCURRENCY=${ctx.concurrencyLabel}`,
        `${completed}/${LOOPBACK_SCANS} COMPLETED in ${(ms / 1000).toFixed(2)} s = ${((completed / ms) * 1000).toFixed(1)} scans/s, events streamed`,
      ],
      [
        'CPU ms per QUICK scan, by process tree (bench = proxies + clients)',
        `${perScan}; ${(totalCpu / ms).toFixed(2)} cores busy on average`,
      ],
      ['service (API + worker) peak RSS during the loopback fleet', `${peakRss.toFixed(0)} MiB`],
    ];
  } finally {
    await fan.close();
  }
}

/** Creates `n` hosts for dispatch scans and returns their ids (one active scan per host). */
async function dispatchHosts(pool: pg.Pool, n: number): Promise<string[]> {
  const res = await pool.query<{ id: string }>(
    `insert into hosts (id, hostname, port)
       select gen_random_uuid(), 'dispatch-' || i || '.bench.invalid', 22 from generate_series(1, $1) i
     on conflict (hostname, port) do update set hostname = excluded.hostname
     returning id`,
    [n],
  );
  return res.rows.map((r) => r.id);
}

/**
 * Inserts one PENDING scan per host in one transaction (the statement
 * startScan uses) and returns the wall-clock ms when COMMIT returned.
 */
async function enqueueScans(
  pool: pg.Pool,
  hostIds: string[],
): Promise<{ at: number; ids: string[] }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const ids: string[] = [];
    for (const hostId of hostIds) {
      const id = crypto.randomUUID();
      ids.push(id);
      await client.query(sql.INSERT_SCAN, [
        id,
        hostId,
        'QUICK',
        'SSH',
        'bench',
        null,
        0,
        60,
        null,
        'bench',
        1,
        'dispatch',
        false,
      ]);
    }
    await client.query('commit');
    return { at: wallNow(), ids };
  } finally {
    client.release();
  }
}

/** Waits for every scan to end and returns claim (started_at) − commit, in ms, per scan. */
async function claimLatencies(
  pool: pg.Pool,
  ids: string[],
  committedAt: number,
): Promise<number[]> {
  for (let i = 0; i < 6000; i++) {
    const res = await pool.query<{ ms: number; done: boolean }>(
      `select extract(epoch from started_at) * 1000 as ms,
              status not in ('PENDING','RUNNING') as done
         from scans where id = any($1::uuid[])`,
      [ids],
    );
    if (res.rows.length === ids.length && res.rows.every((r) => r.done))
      return res.rows.map((r) => Number(r.ms) - committedAt);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('dispatch scans did not end within 120 s');
}

async function dispatchRows(ctx: FleetContext, concurrency: number): Promise<Row[]> {
  const rows: Row[] = [];
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 4 });
  // A worker for the `dispatch` pool with no SSH key: each scan it claims ends
  // AUTH_FAILED at once, so the figures are the queue's, not SSH's.
  const worker = await startService({
    entry: 'worker',
    env: {
      DATABASE_URL: ctx.databaseUrl,
      WORKER_POOLS: 'dispatch',
      LOG_LEVEL: 'info',
      ...cpuProfileEnv(),
      ...(process.env.BENCH_CONCURRENCY
        ? { WORKER_CONCURRENCY: process.env.BENCH_CONCURRENCY }
        : {}),
    },
  });
  const jobStarts = new Map<number, number>();
  let graphile: Awaited<ReturnType<typeof runGraphile>> | undefined;
  try {
    const largest = Math.max(1, ...DISPATCH_BURSTS);
    const hosts = await dispatchHosts(pool, largest);
    const product: Record<string, number[]> = {};
    const one: number[] = [];
    for (let i = 0; i < DISPATCH_ONE_RUNS; i++) {
      const { at, ids } = await enqueueScans(pool, [hosts[0]!]);
      one.push(...(await claimLatencies(pool, ids, at)));
    }
    product.one = one;
    for (const n of DISPATCH_BURSTS) {
      const { at, ids } = await enqueueScans(pool, hosts.slice(0, n));
      product[`burst ${n}`] = await claimLatencies(pool, ids, at);
    }

    // startScans of STARTSCANS_TARGETS targets into the dispatch pool: the call's
    // time, and claim − the moment its answer arrived (the commit is before that,
    // so these figures err low; a negative one was claimed before the answer came).
    const targets = Array.from({ length: STARTSCANS_TARGETS }, (_, i) => ({
      hostname: `dispatch-${i + 1}.bench.invalid`,
      port: 22,
      username: 'bench',
    }));
    const sent = performance.now();
    const { startScans } = await gqlOk<{
      startScans: { startedCount: number; results: Array<{ scan: { id: string } | null }> };
    }>(
      ctx.service.httpUrl,
      ctx.token,
      `mutation($targets: [ScanTargetInput!]!) { startScans(input: { targets: $targets, type: QUICK, pool: "dispatch" }) { startedCount results { scan { id } } } }`,
      { targets },
    );
    const answered = wallNow();
    const callMs = performance.now() - sent;
    const batchIds = startScans.results.flatMap((r) => (r.scan ? [r.scan.id] : []));
    const batch = await claimLatencies(pool, batchIds, answered);
    rows.push([
      `startScans of ${STARTSCANS_TARGETS} targets (one call; pool "dispatch")`,
      `${startScans.startedCount}/${STARTSCANS_TARGETS} started, call ${callMs.toFixed(0)} ms; answer → claim p50 ${ms1(pct(batch, 50))}, p99 ${ms1(pct(batch, 99))}`,
    ]);

    // graphile-worker on the same PostgreSQL, the same concurrency, a no-op task.
    graphile = await runGraphile({
      connectionString: ctx.databaseUrl,
      concurrency,
      noHandleSignals: true,
      pollInterval: 2000,
      logger: new GraphileLogger(() => () => undefined),
      taskList: {
        noop: async (payload) => {
          jobStarts.set((payload as { n: number }).n, wallNow());
        },
      },
    });
    let next = 0;
    const addJobs = async (count: number): Promise<number[]> => {
      const first = next;
      next += count;
      const client = await pool.connect();
      let at: number;
      try {
        await client.query('begin');
        for (let n = first; n < first + count; n++)
          await client.query(
            `select graphile_worker.add_job('noop', json_build_object('n', $1::int))`,
            [n],
          );
        await client.query('commit');
        at = wallNow();
      } finally {
        client.release();
      }
      for (let i = 0; i < 6000; i++) {
        let all = true;
        for (let n = first; n < first + count; n++) if (!jobStarts.has(n)) all = false;
        if (all) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return Array.from({ length: count }, (_, k) => jobStarts.get(first + k)! - at);
    };
    const gw: Record<string, number[]> = { one: [] };
    for (let i = 0; i < DISPATCH_ONE_RUNS; i++) gw.one!.push(...(await addJobs(1)));
    for (const n of DISPATCH_BURSTS) gw[`burst ${n}`] = await addJobs(n);

    for (const key of Object.keys(product)) {
      const p = product[key]!;
      const g = gw[key]!;
      const what =
        key === 'one' ? `one at a time (${DISPATCH_ONE_RUNS} runs)` : `${key} in one commit`;
      rows.push([
        `dispatch, commit → claim, ${what}; graphile-worker add_job → task start`,
        `p50 ${ms1(pct(p, 50))}, p99 ${ms1(pct(p, 99))}; graphile-worker p50 ${ms1(pct(g, 50))}, p99 ${ms1(pct(g, 99))} (concurrency ${concurrency} both)`,
      ]);
    }
  } finally {
    await graphile?.stop();
    await worker.stop();
    await pool.end();
  }
  return rows;
}

/** Every fleet row, in order. `concurrency` is the worker's effective WORKER_CONCURRENCY. */
export async function fleetRows(ctx: FleetContext, concurrency: number): Promise<Row[]> {
  const rows: Row[] = [];
  // One section failing (a loaded machine) still leaves the others' figures.
  const section = async (name: string, fn: () => Promise<Row[]>) => {
    try {
      rows.push(...(await fn()));
    } catch (e) {
      rows.push([
        `${name}: FAILED`,
        (e as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 300),
      ]);
    }
  };
  if (SECTIONS.includes('delayed')) await section('delayed fleet', () => delayedFleetRows(ctx));
  if (SECTIONS.includes('loopback')) await section('loopback fleet', () => loopbackFleetRows(ctx));
  if (SECTIONS.includes('dispatch'))
    await section('dispatch', () => dispatchRows(ctx, concurrency));
  return rows;
}
