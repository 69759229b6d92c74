/**
 * The API's one LISTEN connection is killed (pg_terminate_backend) again and
 * again while 50 graphql-ws subscribers follow 10 running scans: NOTIFYs sent
 * while it is down are lost, and the hub must catch every subscriber up from
 * the event log, so each still sees every event once, in order, and the end.
 */
import type { Client } from 'graphql-ws';

import type { ScanEventRow } from '../../src/queue/rows';
import * as sql from '../../src/queue/sql';
import { FAULTS_STACK, insertSshScan } from '../support/faults';
import { eventsOf, waitFor } from '../support/fixtures';
import { followScan, wsClient } from '../support/graphql';
import { type PortFanIn, startPortFanIn } from '../support/port-fan-in';
import { logLines, type RunningService } from '../support/service';
import { ADMIN_TOKEN, DELAYED_DF_USER, type Stack, startStack } from '../support/stack';

const SCANS = 10;
const SUBSCRIBERS = 50;
const KILLS = 5;

jest.setTimeout(120_000);

let cluster: Stack;
let fanIn: PortFanIn | undefined;
const clients: Client[] = [];

beforeAll(async () => {
  cluster = await startStack(FAULTS_STACK);
  fanIn = await startPortFanIn(cluster.sshd.port, SCANS);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await cluster?.killAll();
  await fanIn?.close();
  await cluster?.stop();
});

async function listenConnections(): Promise<Array<{ pid: number; backend_start: Date }>> {
  const { rows } = await cluster.db.pool.query<{ pid: number; backend_start: Date }>(
    `select pid, backend_start from pg_stat_activity
     where application_name = 'hostscan-api-listen' and datname = current_database()`,
  );
  return rows;
}

it(`delivers every event, in seq order, to ${SUBSCRIBERS} subscribers while the API's LISTEN connection is terminated ${KILLS} times`, async () => {
  if (!cluster.haveSpecialUsers) {
    process.stdout.write('[faults] skipped: the delayed-df login needs root\n');
    return;
  }
  const api: RunningService = await cluster.startApi();
  const ids: string[] = [];
  for (const port of fanIn!.ports) {
    const scan = await insertSshScan(cluster.db.pool, { port, username: DELAYED_DF_USER });
    ids.push(scan.id);
  }
  // Subscribe while the scans are still PENDING (no worker yet): each stream
  // starts at seq 1, so it must end up with the scan's whole log.
  const follows = Array.from({ length: SUBSCRIBERS }, (_, i) => {
    const client = wsClient(api.wsUrl, ADMIN_TOKEN);
    clients.push(client);
    const id = ids[i % SCANS]!;
    return { id, ...followScan(client, id, { fields: 'seq status', timeoutMs: 120_000 }) };
  });
  await Promise.all(follows.map((f) => f.first));

  await Promise.all([
    // Two scans at a time each: the scans' events spread over ~10 s, so the
    // outages below land on some of them (at 5 each they all ran at once and
    // sometimes ended between two kills).
    cluster.startWorker('faults-l1', { WORKER_CONCURRENCY: '2' }),
    cluster.startWorker('faults-l2', { WORKER_CONCURRENCY: '2' }),
  ]);

  // Kill the LISTEN connection while the scans run; wait for each reconnect.
  // Each outage, from the kill to the new connection's start (database
  // clock), is a window in which NOTIFYs reach no one.
  const reconnectMs: number[] = [];
  const outages: Array<{ from: Date; to: Date }> = [];
  let current = await waitFor('the LISTEN connection', async () => {
    const p = await listenConnections();
    return p.length === 1 ? p[0] : undefined;
  });
  // Usually the first kills already fall on the scans' early burst of
  // events; if none of the planned ones did, go on killing (a few more at
  // most) until an event lands in an outage, so the catch-up path is proven.
  const committedDuringOutages = async () =>
    (
      await cluster.db.pool.query<{ n: number }>(
        `select count(*)::int as n from scan_events e, unnest($2::timestamptz[], $3::timestamptz[]) o(f, t)
         where e.scan_id = any($1::uuid[]) and e.at > o.f and e.at < o.t`,
        [ids, outages.map((o) => o.from), outages.map((o) => o.to)],
      )
    ).rows[0]!.n;
  let kills = 0;
  let injected = false;
  for (let k = 0; k < KILLS || (k < KILLS + 10 && (await committedDuringOutages()) === 0); k++) {
    kills++;
    const { rows } = await cluster.db.pool.query<{ ok: boolean; at: Date }>(
      `select pg_terminate_backend($1) as ok, clock_timestamp() as at`,
      [current.pid],
    );
    expect(rows[0]!.ok).toBe(true);
    const killedAt = Date.now();
    if (!injected) {
      // The scans' own events come in short bursts and may all fall between
      // outages. So once, 22 ms into this outage (LISTEN comes back no sooner
      // than 50 ms after a kill), write one event of a running scan, fenced
      // with its worker's lease as the worker would: its NOTIFY reaches no one.
      await new Promise((r) => setTimeout(r, 22));
      const running = (
        await cluster.db.pool.query<{
          id: string;
          attempt: number;
          worker_id: string;
          current_step: string | null;
          progress: number;
        }>(
          `select id, attempt, worker_id, current_step, progress from scans
           where id = any($1::uuid[]) and status = 'RUNNING' limit 1`,
          [ids],
        )
      ).rows[0];
      if (running) {
        const written = await cluster.db.pool.query(sql.UPDATE_PROGRESS, [
          running.id,
          running.attempt,
          running.worker_id,
          running.current_step,
          running.progress,
          'written while the API had no LISTEN connection',
        ]);
        injected = (written.rowCount ?? 0) > 0;
      }
    }
    const old = current.pid;
    current = await waitFor('a new LISTEN connection', async () => {
      const p = await listenConnections();
      return p.length === 1 && p[0]!.pid !== old ? p[0] : undefined;
    });
    reconnectMs.push(Date.now() - killedAt);
    outages.push({ from: new Date(rows[0]!.at.getTime() + 20), to: current.backend_start });
    await new Promise((r) => setTimeout(r, 600));
  }

  const streams = await Promise.all(follows.map((f) => f.done));
  const logs = new Map<string, Array<Omit<ScanEventRow, 'scan_id'>>>();
  for (const id of ids) logs.set(id, await eventsOf(cluster.db.pool, id, { full: true }));
  for (const [i, stream] of streams.entries()) {
    const log = logs.get(follows[i]!.id)!;
    expect(stream).toEqual(log.map((e) => ({ seq: e.seq, status: e.status })));
    expect(stream[0]!.seq).toBe(1);
    expect(stream[stream.length - 1]!.status).toBe('COMPLETED');
  }
  const lost = logLines(api).filter((l) => l.msg === 'LISTEN connection lost; reconnecting');
  expect(lost.length).toBe(kills);
  expect(api.child.exitCode).toBeNull();
  const all = [...logs.values()].flat();
  // Events committed while no LISTEN connection existed: their NOTIFYs were
  // lost, yet every subscriber got them (from the log).
  const unnotified = all.filter((e) => outages.some((o) => e.at > o.from && e.at < o.to));
  expect(unnotified.length).toBeGreaterThan(0);
  const events = all.length;
  process.stdout.write(
    `[faults] LISTEN killed ${kills} times: reconnected after ${reconnectMs.join(', ')} ms; ` +
      `${SUBSCRIBERS} subscribers got all ${events} events of ${SCANS} scans in order, ` +
      `${unnotified.length} of them committed while no LISTEN connection existed\n`,
  );
});
