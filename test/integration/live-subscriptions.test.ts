/**
 * The shared fan-out of scanProgress and scanUpdates (src/api/live-subscriptions.ts),
 * through the real WebSocket API (attachWebSocketApi) on a real hub and
 * database, with real graphql-ws clients: each event is executed once per
 * group of subscribers that share a document, variables and role, and every
 * member of a group gets the same payload under its own operation id. The
 * count of executions is the count of operation contexts made after the
 * subscribes (the API makes one per execution).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { validationRules } from '../../src/api/hardening';
import { attachWebSocketApi, type WebSocketApi } from '../../src/api/websocket';
import { Authenticator } from '../../src/auth/authenticator';
import { EventHub } from '../../src/events/hub';
import type { AppContext } from '../../src/graphql/context';
import { buildAppSchema } from '../../src/graphql/schema';
import { createLogger } from '../../src/logger';
import { claimScan } from '../../src/queue/claim';
import * as sql from '../../src/queue/sql';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { completeScan, insertScan, waitFor } from '../support/fixtures';

jest.setTimeout(60_000);

const TOKEN = 'live-subscriptions-test-token-0123456789';
const WORKER = 'live-subscriptions-test-worker';
const log = createLogger('silent');

let db: TestDatabase;
let hub: EventHub;
let httpServer: http.Server;
let api: WebSocketApi;
let url: string;
/** Operation contexts the API made: one per subscribe, one per execution of an event. */
let contexts = 0;
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  hub = new EventHub({ pgPool: db.pool, connectionString: db.url, log });
  await hub.start();
  httpServer = http.createServer();
  api = attachWebSocketApi(httpServer, {
    schema: await buildAppSchema(),
    authenticator: new Authenticator(db.pool, TOKEN, log),
    hub,
    context: (principal) => {
      contexts++;
      // The selections below need no database: no fork, no loaders.
      return { principal, hub } as unknown as AppContext;
    },
    validationRules: validationRules({ introspection: false }),
    allowedOrigins: [],
    log,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(httpServer.address() as { port: number }).port}/graphql`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await api?.dispose();
  await new Promise((r) => httpServer?.close(r));
  await hub?.stop();
  await db?.drop();
});

/** One client per member, each following `query`; what each received, as JSON. */
function members(
  n: number,
  query: string,
  variables?: Record<string, unknown>,
): Array<{ frames: string[]; completed: boolean; errors: unknown[] }> {
  return Array.from({ length: n }, () => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${TOKEN}` },
      retryAttempts: 0,
    });
    clients.push(client);
    const seen = { frames: [] as string[], completed: false, errors: [] as unknown[] };
    client.subscribe(
      { query, variables },
      {
        next: (v) => void seen.frames.push(JSON.stringify(v)),
        error: (e) => void seen.errors.push(e),
        complete: () => void (seen.completed = true),
      },
    );
    return seen;
  });
}

it('scanProgress: one execution per event and group; every member gets the same bytes, then complete', async () => {
  const scan = await insertScan(db.pool);
  const lease = await claimScan(db.pool, { workerId: WORKER, hostname: 'h', leaseMs: 600_000 });
  expect(lease?.id).toBe(scan.id);
  const A = `subscription ($id: ID!) { scanProgress(id: $id) { seq status progress step } }`;
  const B = `subscription ($id: ID!) { scanProgress(id: $id) { seq message scan { id status } } }`;
  const a = members(12, A, { id: scan.id });
  const b = members(8, B, { id: scan.id });
  const all = [...a, ...b];
  await waitFor('every current state', () => all.every((m) => m.frames.length === 1));
  // Let the subscribes' catch-up reads settle: the next events come from one read.
  await new Promise((r) => setTimeout(r, 300));

  const before = contexts;
  for (let i = 1; i <= 3; i++) {
    await db.pool.query(sql.UPDATE_PROGRESS, [scan.id, lease!.attempt, WORKER, `s${i}`, i, 'm']);
  }
  await waitFor('three events everywhere', () => all.every((m) => m.frames.length === 4));
  expect(contexts - before).toBe(3 * 2);

  for (const group of [a, b]) {
    for (const m of group) expect(m.frames).toEqual(group[0]!.frames);
  }
  const seqs = a[0]!.frames.map(
    (f) => (JSON.parse(f) as { data: { scanProgress: { seq: number } } }).data.scanProgress.seq,
  );
  expect(seqs.slice(1)).toEqual([seqs[0]! + 1, seqs[0]! + 2, seqs[0]! + 3]);
  expect(JSON.parse(b[0]!.frames[3]!)).toEqual({
    data: {
      scanProgress: { seq: seqs[3], message: 'm', scan: { id: scan.id, status: 'RUNNING' } },
    },
  });

  await completeScan(db.pool, { id: scan.id, attempt: lease!.attempt, workerId: WORKER });
  await waitFor('complete everywhere', () => all.every((m) => m.completed));
  expect(all.map((m) => m.frames.length)).toEqual(all.map(() => 5));
  expect(all.flatMap((m) => m.errors)).toEqual([]);
});

it('sends a subscriber that fell behind what waits for it in one write, in order', async () => {
  const scan = await insertScan(db.pool);
  const lease = await claimScan(db.pool, { workerId: WORKER, hostname: 'h', leaseMs: 600_000 });
  expect(lease?.id).toBe(scan.id);
  const [m] = members(1, `subscription ($id: ID!) { scanProgress(id: $id) { seq } }`, {
    id: scan.id,
  });
  await waitFor('the current state', () => m!.frames.length === 1);
  await new Promise((r) => setTimeout(r, 300));
  // Every write the server makes on its sockets (ws corks each frame, so
  // one frame alone is one _writev too).
  const port = (httpServer.address() as AddressInfo).port;
  const proto = net.Socket.prototype as unknown as { _writev: (...args: unknown[]) => void };
  const writev = jest.spyOn(proto, '_writev');
  try {
    // 40 events in one transaction: they reach the subscriber's queue together.
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      for (let i = 1; i <= 40; i++) {
        await client.query(sql.UPDATE_PROGRESS, [scan.id, lease!.attempt, WORKER, 's', i, 'm']);
      }
      await client.query('commit');
    } finally {
      client.release();
    }
    await waitFor('forty more frames', () => m!.frames.length === 41);
    const serverWrites = writev.mock.contexts.filter(
      (socket) => (socket as net.Socket).localPort === port,
    ).length;
    // One per frame would be 40.
    expect(serverWrites).toBeGreaterThanOrEqual(1);
    expect(serverWrites).toBeLessThanOrEqual(3);
  } finally {
    writev.mockRestore();
  }
  const seqs = m!.frames.map(
    (f) => (JSON.parse(f) as { data: { scanProgress: { seq: number } } }).data.scanProgress.seq,
  );
  expect(seqs.slice(1)).toEqual(Array.from({ length: 40 }, (_, i) => seqs[0]! + 1 + i));
});

it('scanUpdates: one execution per event and group, whatever the number of dashboards', async () => {
  const plain = members(15, `subscription { scanUpdates { scanId seq status } }`);
  const filtered = members(
    5,
    `subscription ($s: [ScanStatus!]) { scanUpdates(filter: { status: $s }) { scanId status } }`,
    { s: ['PENDING'] },
  );
  const all = [...plain, ...filtered];
  // Live once every dashboard has had an event committed after it subscribed.
  await waitFor('every dashboard live', async () => {
    await insertScan(db.pool);
    await new Promise((r) => setTimeout(r, 200));
    return all.every((m) => m.frames.length > 0);
  });
  await new Promise((r) => setTimeout(r, 300));
  const counts = all.map((m) => m.frames.length);
  const before = contexts;
  const scan = await insertScan(db.pool);
  await waitFor('the new scan everywhere', () =>
    all.every((m, i) => m.frames.length === counts[i]! + 1),
  );
  expect(contexts - before).toBe(2);
  expect(new Set(plain.map((m) => m.frames.at(-1))).size).toBe(1);
  expect(JSON.parse(filtered[0]!.frames.at(-1)!)).toEqual({
    data: { scanUpdates: { scanId: scan.id, status: 'PENDING' } },
  });
});
