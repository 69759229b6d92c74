/**
 * The database-outage scenario, shared by the embedded-server test
 * (test/e2e/faults.outage.test.ts) and the system-server one
 * (test/e2e/faults.system-pg.test.ts): an API process and two worker
 * processes run IN_FLIGHT scans into their slow step with a graphql-ws
 * subscriber following each; the database is stopped (every connection
 * terminated), kept down for OUTAGE_MS and started again on the same port.
 * No process may exit, no scan may be recorded FAILED because of the outage,
 * every subscriber must still see its scan end, and new scans must run
 * afterwards. What stops and starts the server is the caller's
 * RestartableServer.
 */
import type { Client } from 'graphql-ws';
import type pg from 'pg';

import { TERMINAL_STATUSES } from '../../src/domain/states';
import type { ScanRow } from '../../src/queue/rows';
import { insertSshScan } from './faults';
import { eventsOf, scanRow, waitFor } from './fixtures';
import { followScan, type ScanEvent, type ScanFollow, startScan, wsClient } from './graphql';
import type { PortFanIn } from './port-fan-in';
import { logLines, type RunningService } from './service';
import { ADMIN_TOKEN, DELAYED_DF_USER, type Stack } from './stack';

/** Scans running their slow (disk) step when the database stops. */
export const IN_FLIGHT = 4;
/** Scans started through the API after the restart. */
export const AFTER = 2;
/** How long the database stays stopped. */
export const OUTAGE_MS = 3_000;

/** The database server the scenario stops and starts. */
export interface RestartableServer {
  /** Stops it (fast shutdown: every connection is terminated); resolves once it is down. */
  stop(): Promise<void>;
  /** Whether it is running now (checked right after stop()). */
  running(): Promise<boolean>;
  /**
   * Starts it again on the same port; resolves once it accepts connections,
   * optionally with the time (Date.now()) it first did, when that is earlier.
   */
  start(): Promise<number | void>;
}

export interface OutageContext {
  stack: Stack;
  /** The test's own pool on the processes' database (its connections die with the server). */
  pool: pg.Pool;
  fanIn: PortFanIn;
  server: RestartableServer;
  /** Printed with the figures: which server went away. */
  label: string;
}

/** How many ports the fan-in must provide. */
export const FAN_IN_PORTS = IN_FLIGHT + AFTER;

const clients: Client[] = [];

/** Closes every graphql-ws client the scenario opened (afterEach/afterAll). */
export async function disposeFollowers(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
}

/**
 * Follows one scan to its end on a client of its own. Should the WebSocket
 * itself drop, it subscribes again on a new socket from the last seq seen.
 */
function follow(url: string, id: string, timeoutMs: number): ScanFollow {
  const client = (): Client => {
    const c = wsClient(url, ADMIN_TOKEN);
    clients.push(c);
    return c;
  };
  return followScan(client(), id, { fields: 'seq status step', timeoutMs, resubscribe: client });
}

async function healthz(service: RunningService): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${service.port}/healthz`, {
      signal: AbortSignal.timeout(3_000),
    });
    return res.status;
  } catch {
    return 0;
  }
}

const alive = (s: RunningService): boolean =>
  s.child.exitCode === null && s.child.signalCode === null;

export interface OutageRun {
  ids: string[];
  rows: ScanRow[];
  processes: RunningService[];
  workers: RunningService[];
  seen: Map<string, ScanEvent[]>;
  reconnects: number;
  figures: Record<string, number | null>;
}

/**
 * Starts the API and two workers with `env`, gets IN_FLIGHT scans into their
 * slow step, stops the database for OUTAGE_MS, starts it again, and waits
 * for everything to end. Asserts what must hold whatever the lease length.
 */
export async function runOutage(
  ctx: OutageContext,
  env: Record<string, string>,
  options: { stopAfterDiskStartMs?: number } = {},
): Promise<OutageRun> {
  const { stack: c, pool: p, fanIn, server } = ctx;
  const api = await c.startApi(env);
  const workers = await Promise.all([
    c.startWorker('outage-w1', env),
    c.startWorker('outage-w2', env),
  ]);
  const processes = [api, ...workers];

  const ids: string[] = [];
  for (const port of fanIn.ports.slice(0, IN_FLIGHT)) {
    const scan = await insertSshScan(p, { port, username: DELAYED_DF_USER });
    ids.push(scan.id);
  }
  const follows = new Map(ids.map((id) => [id, follow(api.wsUrl, id, 120_000)]));
  await Promise.all([...follows.values()].map((f) => f.first));

  // Every scan is in flight: claimed, and waiting on the slow df.
  await waitFor(
    'every scan to reach its disk step',
    async () => {
      const rows = await Promise.all(ids.map((id) => scanRow(p, id)));
      return rows.every((r) => r.status === 'RUNNING' && r.current_step === 'disk')
        ? true
        : undefined;
    },
    30_000,
  );

  if (options.stopAfterDiskStartMs !== undefined) {
    // Stop once the first disk step is that far in, so that steps end (and
    // their writes are due) while the database is away.
    const { rows } = await p.query<{ wait_ms: number }>(
      `select extract(epoch from min(started_at) + $2 * interval '1 millisecond' - clock_timestamp()) * 1000 as wait_ms
       from scan_steps where name = 'disk' and scan_id = any($1)`,
      [ids, options.stopAfterDiskStartMs],
    );
    const wait = Number(rows[0]!.wait_ms);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const stopAt = Date.now();
  await server.stop();
  const downAt = Date.now();
  expect(await server.running()).toBe(false);

  // While it is down: health says so, nobody exits.
  const statuses: number[] = [];
  while (Date.now() - downAt < OUTAGE_MS) {
    statuses.push(await healthz(api));
    for (const s of processes) expect(alive(s)).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.every((s) => s === 503)).toBe(true);

  // Health and the scans are watched from the moment the start is asked
  // for: a start command may return well after the server accepts
  // connections (pg_ctlcluster does).
  const startAt = Date.now();
  const healthy = waitFor(
    'healthz to answer 200',
    async () => ((await healthz(api)) === 200 ? Date.now() : undefined),
    90_000,
  );
  const terminal = waitFor(
    'every in-flight scan to end',
    async () => {
      const rows = await Promise.all(ids.map((id) => scanRow(p, id).catch(() => null)));
      return rows.every((r) => r && TERMINAL_STATUSES.includes(r.status)) ? Date.now() : undefined;
    },
    120_000,
    100,
  );
  healthy.catch(() => undefined);
  terminal.catch(() => undefined);
  const readyAt = await server.start();
  const startReturnedAt = Date.now();
  const healthyAt = await healthy;
  const terminalAt = await terminal;
  // Up: the first sign that the server accepts connections (the start
  // command's own check, or the API's health check if that came first).
  const upAt = Math.min(readyAt ?? startReturnedAt, healthyAt);
  const seen = new Map<string, ScanEvent[]>();
  for (const [id, f] of follows) seen.set(id, await f.done);
  const subscribersDoneAt = Math.max(...[...follows.values()].map((f) => f.completedAt()!));

  const at = (ms: number) => new Date(ms);
  const firstAfter = async (where: string): Promise<number | null> => {
    const r = await p.query<{ at: Date }>(
      `select min(at) as at from scan_events where at >= $1 and ${where}`,
      [at(upAt)],
    );
    return r.rows[0]?.at ? r.rows[0].at.getTime() - upAt : null;
  };
  const figures = {
    stopMs: downAt - stopAt,
    downMs: upAt - downAt,
    startMs: upAt - startAt,
    startReturnedMs: startReturnedAt - startAt,
    healthyMs: healthyAt - upAt,
    firstEventMs: await firstAfter('true'),
    firstClaimMs: await firstAfter(`message like 'claimed by %'`),
    allTerminalMs: terminalAt - upAt,
    subscribersDoneMs: subscribersDoneAt - upAt,
  };

  const rows = await Promise.all(ids.map((id) => scanRow(p, id)));
  for (const row of rows) {
    expect(row).toMatchObject({ status: 'COMPLETED', error_code: null });
  }
  const failedOrInternal = await p.query(
    `select scan_id, seq, status, message from scan_events
     where scan_id = any($1) and (status = 'FAILED' or message like '%INTERNAL%' or message like '%failed%')`,
    [ids],
  );
  expect(failedOrInternal.rows).toEqual([]);
  const steps = await p.query<{ status: string }>(
    `select status from scan_steps where scan_id = any($1)`,
    [ids],
  );
  expect(steps.rows.map((s) => s.status)).toEqual(Array(IN_FLIGHT * 5).fill('SUCCEEDED'));

  // Each subscriber saw, in order and once, every event from its first one on,
  // the terminal COMPLETED last: the hub caught up from the log after LISTEN
  // came back.
  for (const id of ids) {
    const events = seen.get(id)!;
    const logged = (await eventsOf(p, id, { full: true })).filter((e) => e.seq >= events[0]!.seq);
    expect(events.map((e) => e.seq)).toEqual(logged.map((e) => e.seq));
    expect(events.at(-1)!.status).toBe('COMPLETED');
  }
  let reconnects = 0;
  for (const f of follows.values()) reconnects += f.reconnects();

  // No process fell over or logged an error (a claim failing while the
  // database is down is a warning).
  for (const s of processes) {
    expect(alive(s)).toBe(true);
    const errors = logLines(s).filter((l) => l.level >= 50);
    expect(errors.map((l) => `${l.msg} ${l.err?.message ?? ''}`)).toEqual([]);
    expect(s.logs()).not.toMatch(/unhandled|uncaught/i);
  }
  expect(await healthz(api)).toBe(200);

  // New work after the restart, through the API, runs to completion.
  const newIds: string[] = [];
  for (const port of fanIn.ports.slice(IN_FLIGHT, IN_FLIGHT + AFTER)) {
    newIds.push(
      await startScan(api.httpUrl, ADMIN_TOKEN, {
        target: { hostname: '127.0.0.1', port, username: c.sshd.username },
        type: 'QUICK',
      }),
    );
  }
  const newFollows = newIds.map((id) => follow(api.wsUrl, id, 60_000));
  for (const f of newFollows) expect((await f.done).at(-1)!.status).toBe('COMPLETED');
  for (const id of newIds) expect((await scanRow(p, id)).status).toBe('COMPLETED');
  for (const s of processes) expect(alive(s)).toBe(true);

  return { ids, rows, processes, workers, seen, reconnects, figures };
}

function report(
  ctx: OutageContext,
  name: string,
  env: Record<string, string>,
  run: OutageRun,
): void {
  const f = run.figures;
  process.stdout.write(
    `[faults] ${ctx.label}: ${name} (LEASE_MS ${env.LEASE_MS}, HEARTBEAT_MS ${env.HEARTBEAT_MS}, ` +
      `REAPER_INTERVAL_MS ${env.REAPER_INTERVAL_MS}, POLL_INTERVAL_MS ${env.POLL_INTERVAL_MS}): ` +
      `stop took ${f.stopMs} ms, down ${f.downMs} ms (accepting connections ${f.startMs} ms after start, which returned after ${f.startReturnedMs} ms); after the restart: ` +
      `healthz 200 in ${f.healthyMs} ms, first event in ${f.firstEventMs} ms, ` +
      `first claim in ${f.firstClaimMs ?? '-'} ms, all ${IN_FLIGHT} scans terminal in ${f.allTerminalMs} ms, ` +
      `all subscribers complete in ${f.subscribersDoneMs} ms; attempts ` +
      `${run.rows.map((r) => r.attempt).join(',')}; WebSocket re-subscriptions ${run.reconnects}\n`,
  );
}

/**
 * The outage outlasts every lease (3 s lease, 3 s down): each attempt gives
 * up without a write, the reaper re-queues it once the database is back, and
 * attempt 2 completes it.
 */
export async function expectOutageLongerThanLeaseRerunsScans(ctx: OutageContext): Promise<void> {
  const env = {
    LEASE_MS: '3000',
    HEARTBEAT_MS: '1000',
    REAPER_INTERVAL_MS: '500',
    POLL_INTERVAL_MS: '500',
  };
  const run = await runOutage(ctx, env);
  report(ctx, 'database restart longer than the lease', env, run);

  for (const row of run.rows) expect(row.attempt).toBe(2);
  for (const id of run.ids) {
    const messages = (await eventsOf(ctx.pool, id, { full: true })).map((e) => e.message);
    expect(messages).toContain('lease expired; re-queued');
    expect(messages.filter((m) => m === 'completed')).toHaveLength(1);
  }
  const abandoned = run.workers.flatMap((w) =>
    logLines(w).filter((l) => /^scan abandoned: database unreachable/.test(l.msg)),
  );
  expect(new Set(abandoned.map((l) => l.scanId))).toEqual(new Set(run.ids));
  // The API kept every WebSocket open through the outage.
  expect(run.reconnects).toBe(0);
}

/**
 * The outage is shorter than the lease (20 s): step writes and heartbeats
 * that come due while the database is down retry, the writes go through,
 * and every scan completes on its first attempt.
 */
export async function expectOutageShorterThanLeaseRidesItOut(ctx: OutageContext): Promise<void> {
  const env = {
    LEASE_MS: '20000',
    HEARTBEAT_MS: '1000',
    REAPER_INTERVAL_MS: '500',
    POLL_INTERVAL_MS: '500',
  };
  // The disk step takes 2 x DF_DELAY_S = 6 s: stopped 4 s in, the steps end
  // during the outage and their writes have to wait for the database.
  const run = await runOutage(ctx, env, { stopAfterDiskStartMs: 4_000 });
  report(ctx, 'database restart shorter than the lease', env, run);

  for (const row of run.rows) expect(row.attempt).toBe(1);
  const retried = run.workers.flatMap((w) =>
    logLines(w).filter(
      (l) => l.msg === 'database reachable again; the retried operation went through',
    ),
  );
  process.stdout.write(
    `[faults] ${ctx.label}: operations retried through the outage: ${retried.map((l) => `${String(l.op)} ${String(l.ms)} ms`).join(', ')}\n`,
  );
  // Step writes that came due while the database was down went through later.
  // Each step write is one fenced statement named after what it does.
  const stepWrites = new Set(['reset-steps', 'start-step', 'finish-step', 'finish-and-start-step']);
  expect(retried.filter((l) => stepWrites.has(String(l.op))).length).toBeGreaterThan(0);
  // Heartbeats that came due were retried too. Whether one then went through
  // is a race with the scan's own end (a scan that finishes first ends its
  // heartbeat's retries), so count the retrying, not the success.
  const heartbeatsRetrying = run.workers.flatMap((w) =>
    logLines(w).filter(
      (l) =>
        l.msg === 'database unreachable; retrying while the lease lasts' && l.op === 'heartbeat',
    ),
  );
  expect(heartbeatsRetrying.length).toBeGreaterThan(0);
  for (const id of run.ids) {
    const messages = (await eventsOf(ctx.pool, id, { full: true })).map((e) => e.message);
    expect(messages).not.toContain('lease expired; re-queued');
  }
  for (const w of run.workers)
    expect(logLines(w).filter((l) => /^scan abandoned/.test(l.msg))).toEqual([]);
  expect(run.reconnects).toBe(0);
}
