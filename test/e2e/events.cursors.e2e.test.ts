/**
 * Fault 1 of the live-events issue, on the compiled API process with real
 * graphql-ws clients: a read the hub makes for one subscriber (a late
 * scanProgress with afterSeq 0) or for a reconnect (the API's LISTEN
 * connection terminated) must not hand a dashboard (scanUpdates) events
 * committed before it subscribed. Scans are driven the way a worker drives
 * them (the lease's fenced writes), so their events are real log rows.
 */
import type { Client } from 'graphql-ws';

import { insertScan, runScan, waitFor } from '../support/fixtures';
import { followScan, wsClient } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

interface DashboardEvent {
  scanId: string;
  seq: number;
  status: string;
}

/** A scanUpdates subscriber on its own socket, recording every event. */
function dashboard(api: RunningService): { client: Client; events: DashboardEvent[] } {
  const client = wsClient(api.wsUrl, ADMIN_TOKEN);
  const events: DashboardEvent[] = [];
  client.subscribe<{ scanUpdates: DashboardEvent }>(
    { query: `subscription { scanUpdates { scanId seq status } }` },
    {
      next: (v) => events.push(v.data!.scanUpdates),
      error: (e) => events.push({ scanId: 'error', seq: -1, status: JSON.stringify(e) }),
      complete: () => undefined,
    },
  );
  return { client, events };
}

const seqsOf = (events: DashboardEvent[], scanId: string) =>
  events.filter((e) => e.scanId === scanId).map((e) => e.seq);

describe.each(['listen', 'poll'] as const)('EVENTS_MODE=%s', (mode) => {
  let stack: Stack;
  let api: RunningService;
  const clients: Client[] = [];
  let worker = 0;

  beforeAll(async () => {
    stack = await startStack({
      sshd: false,
      processes: ['api'],
      env: { EVENTS_MODE: mode, EVENTS_POLL_INTERVAL_MS: '100' },
    });
    api = stack.service;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await stack?.stop();
  });

  /** A scan run to COMPLETED (7 events); priority 5 so runScan claims it before any marker. */
  async function finishedScan(): Promise<string> {
    const scan = await insertScan(stack.db.pool, { priority: 5 });
    await runScan(stack.db.pool, `cursor-worker-${++worker}`);
    return scan.id;
  }

  /** Resolves once the dashboard is live: it has had an event of a scan inserted after it subscribed. */
  async function live(events: DashboardEvent[]): Promise<void> {
    await waitFor('the dashboard to be live', async () => {
      const marker = await insertScan(stack.db.pool);
      await new Promise((r) => setTimeout(r, 300));
      return events.some((e) => e.scanId === marker.id);
    });
  }

  /** A scan run after the fault reaches the dashboard whole, once, in order. */
  async function expectNewScanWhole(events: DashboardEvent[]): Promise<void> {
    const fresh = await finishedScan();
    await waitFor('the new scan on the dashboard', () => seqsOf(events, fresh).includes(7));
    expect(seqsOf(events, fresh)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }

  if (mode === 'listen') {
    it("(b) the API's LISTEN connection terminated hands the dashboard no event of a scan that ended before it subscribed", async () => {
      // First in the file: no dashboard has watched any scan yet, so the hub
      // has never read `old`'s events for anyone.
      const old = await finishedScan();
      const d = dashboard(api);
      clients.push(d.client);
      await live(d.events);

      const listenPid = async () =>
        (
          await stack.db.pool.query<{ pid: number }>(
            `select pid from pg_stat_activity
             where application_name = 'hostscan-api-listen' and datname = current_database()`,
          )
        ).rows[0]?.pid;
      const before = await waitFor('the LISTEN connection', listenPid);
      await stack.db.pool.query('select pg_terminate_backend($1)', [before]);
      await waitFor('LISTEN again', async () => {
        const pid = await listenPid();
        return pid !== undefined && pid !== before;
      });
      // Give the reconnect's catch-up (recently active scans) time to run.
      await new Promise((r) => setTimeout(r, 1_000));

      await expectNewScanWhole(d.events);
      expect(seqsOf(d.events, old)).toEqual([]);
      expect(d.events.filter((e) => e.scanId === 'error')).toEqual([]);
    });
  }

  it('(a) a late scanProgress(afterSeq: 0) of a finished scan hands the dashboard none of its events', async () => {
    const old = await finishedScan();
    const d = dashboard(api);
    clients.push(d.client);
    await live(d.events);

    const replayer = wsClient(api.wsUrl, ADMIN_TOKEN);
    clients.push(replayer);
    const replay = await followScan(replayer, old, { afterSeq: 0, fields: 'seq status' }).done;
    expect(replay.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    await expectNewScanWhole(d.events);
    expect(seqsOf(d.events, old)).toEqual([]);
    expect(d.events.filter((e) => e.scanId === 'error')).toEqual([]);
  });
});
