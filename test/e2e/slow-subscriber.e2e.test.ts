/**
 * Slow subscribers (fault-tolerance item 10), on the compiled API process: a
 * real WebSocket client that stops reading is cut off once its events stop
 * draining, while a graphql-ws client following the same scan gets every
 * event, in order, through to the terminal one. The events are written the
 * way a worker writes them (UPDATE_PROGRESS, FINISH_SCAN) with large
 * messages, so the kernel's socket buffers fill in a few hundred events.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

import { claimScan } from '../../src/queue/claim';
import * as sql from '../../src/queue/sql';
import type { TestDatabase } from '../support/db';
import { completeScan, insertScan } from '../support/fixtures';
import { followScan, progressDocument, wsClient } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

const STALL_MS = 1_000;
const WORKER = 'slow-subscriber-test-worker';
/** Each event's message: 16 KiB, so a few MB of socket buffers fill in a few hundred events. */
const MESSAGE = 'm'.repeat(16 * 1024);
/** Events written at most; the cut-off normally comes after a few hundred. */
const MAX_EVENTS = 6_000;

jest.setTimeout(120_000);

let stack: Stack;
let db: TestDatabase;
let api: RunningService;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({
    sshd: false,
    processes: ['api'],
    env: { SUBSCRIBER_STALL_MS: String(STALL_MS) },
  });
  db = stack.db;
  api = stack.service;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

/** The message field makes every event big. */
const FIELDS = 'seq status message';
const FOLLOW = progressDocument(FIELDS);

/** A graphql-transport-ws client written by hand on `ws`, so the test controls its reading. */
async function rawSubscriber(scanId: string): Promise<{
  socket: WebSocket;
  received: () => number;
  closed: Promise<[number, Buffer]>;
}> {
  const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
  let received = 0;
  const closed = once(socket, 'close') as Promise<[number, Buffer]>;
  await once(socket, 'open');
  socket.send(
    JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }),
  );
  const acked = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as { type: string };
      if (msg.type === 'connection_ack') resolve();
      else if (msg.type === 'next') received++;
      else if (msg.type === 'error') reject(new Error(data.toString()));
    });
  });
  await acked;
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: FOLLOW, variables: { id: scanId } },
    }),
  );
  return { socket, received: () => received, closed };
}

/** The API process's peak resident set (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

it('closes the WebSocket of a client that stopped reading; a reading client gets every event', async () => {
  const scan = await insertScan(db.pool);
  const lease = await claimScan(db.pool, {
    workerId: WORKER,
    hostname: 'irrelevant',
    leaseMs: 600_000,
  });
  expect(lease?.id).toBe(scan.id);
  const attempt = lease!.attempt;

  const healthyClient = wsClient(api.wsUrl, ADMIN_TOKEN);
  clients.push(healthyClient);
  const healthy = followScan(healthyClient, scan.id, { fields: FIELDS, timeoutMs: 100_000 }).done;

  const slow = await rawSubscriber(scan.id);
  // Wait for its first event (the current state), then stop reading: ws
  // pauses the TCP socket, so the kernel buffers fill and the server's sends stop completing.
  while (slow.received() === 0) await new Promise((r) => setTimeout(r, 20));
  slow.socket.pause();
  const receivedBeforePause = slow.received();

  const started = performance.now();
  let written = 0;
  let cutAt: number | null = null;
  while (written < MAX_EVENTS) {
    await db.pool.query(sql.UPDATE_PROGRESS, [
      scan.id,
      attempt,
      WORKER,
      'flood',
      written % 100,
      MESSAGE,
    ]);
    written++;
    if (written % 50 === 0 && /cutting off a subscriber that stopped reading/.test(api.logs())) {
      cutAt = written;
      break;
    }
  }
  const floodMs = performance.now() - started;
  expect(cutAt).not.toBeNull();

  // The reading client is not affected: the scan goes on and it sees the end.
  await completeScan(db.pool, { id: scan.id, attempt: attempt, workerId: WORKER });
  const events = await healthy;
  const seqs = events.map((e) => e.seq);
  // Every event after the first (the current state at subscribe time) in seq order, none twice.
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  expect(events.at(-1)!.status).toBe('COMPLETED');
  expect(seqs.at(-1)).toBe(2 + written + 1);

  // The slow client, reading again, drains what the kernel held and finds the connection gone.
  slow.socket.resume();
  const [code] = await slow.closed;
  expect(code).toBe(1006); // terminated: no close frame could be sent past the stuck data
  expect(slow.received()).toBeLessThan(written);

  expect(api.logs()).toMatch(/closing the WebSocket of a subscriber that stopped reading/);
  const rss = peakRss(api.child.pid!);
  process.stdout.write(
    `[slow-subscriber] cut off after ${cutAt} events of 16 KiB (${floodMs.toFixed(0)} ms of writing); ` +
      `the stalled client had taken ${receivedBeforePause} before pausing and ${slow.received()} in all; ` +
      `the reading client got ${events.length}; API peak RSS ${(rss / 1024 / 1024).toFixed(0)} MB\n`,
  );
  expect(rss).toBeLessThan(512 * 1024 * 1024);

  // The stuck send that terminate() aborted ends quietly inside graphql-ws.
  expect(api.logs()).not.toMatch(/unhandled rejection|uncaught/i);
  // The API still serves.
  const health = await fetch(api.httpUrl.replace('/graphql', '/healthz'));
  expect(health.status).toBe(200);
});
