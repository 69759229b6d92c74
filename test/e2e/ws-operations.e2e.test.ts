/**
 * Fault 2 of the live-events issue, on the compiled API process: per-operation
 * state on one WebSocket while a subscribe is still pending. A raw WebSocket
 * speaks graphql-transport-ws by hand and sends `subscribe X`, `complete X`,
 * `subscribe X` in one write; X must then run once (every event once) and
 * send nothing after the final `complete X`. Also: operations graphql-ws
 * cannot identify (a bad operationName) no longer use up the socket's
 * 100 operations.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';

import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

import { claimScan } from '../../src/queue/claim';
import type { Lease } from '../../src/queue/lease';
import { insertScan, waitFor } from '../support/fixtures';
import { progressDocument, wsClient } from '../support/graphql';
import type { RunningService } from '../support/service';
import { ADMIN_TOKEN, type Stack, startStack } from '../support/stack';

jest.setTimeout(90_000);

let stack: Stack;
let api: RunningService;
const clients: Client[] = [];
let workers = 0;

beforeAll(async () => {
  stack = await startStack({ sshd: false, processes: ['api'] });
  api = stack.service;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stack?.stop();
});

interface Frame {
  id?: string;
  type: string;
  payload?: {
    data?: Record<string, { scanId?: string; seq: number; status: string }>;
    errors?: unknown;
  };
}

/** A hand-driven graphql-transport-ws socket that records every frame it receives. */
async function rawSocket(): Promise<{
  ws: WebSocket;
  frames: Frame[];
  batch(msgs: object[]): void;
}> {
  const ws = new WebSocket(api.wsUrl, 'graphql-transport-ws');
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await once(ws, 'open');
  ws.send(
    JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }),
  );
  await waitFor('connection_ack', () => frames.some((f) => f.type === 'connection_ack'));
  const socket = (ws as unknown as { _socket: Socket })._socket;
  return {
    ws,
    frames,
    // One TCP write: the server reads these messages in one tick.
    batch(msgs) {
      socket.cork();
      for (const m of msgs) ws.send(JSON.stringify(m));
      socket.uncork();
    },
  };
}

const SCAN_UPDATES = `subscription { scanUpdates { scanId seq status } }`;
const PROGRESS = progressDocument('scanId seq status');

/** The rest of the run: events 4-7, the last one COMPLETED. */
async function finishRun(lease: Lease): Promise<void> {
  await lease.finishStep(0, 'os', 50, { part: { hostname: 'h' } });
  await lease.startStep(1, 'hostname', 50);
  await lease.finishStep(1, 'hostname', 100, { part: { hostname: 'h' } });
  await lease.finish({ status: 'COMPLETED', progress: 100, failure: null, message: 'completed' });
}

const nextSeqs = (frames: Frame[], id: string, scanId: string) =>
  frames
    .filter((f) => f.id === id && f.type === 'next')
    .map((f) => Object.values(f.payload!.data!)[0]!)
    .filter((e) => e.scanId === scanId)
    .map((e) => e.seq);

describe.each([
  ['scanProgress', PROGRESS],
  ['scanUpdates', SCAN_UPDATES],
] as const)(
  '%s: subscribe X, complete X, subscribe X in one write, later complete X',
  (field, query) => {
    it.each([1, 2, 3, 4])('run %i: X runs once and sends nothing after complete', async () => {
      const { ws, frames, batch } = await rawSocket();
      try {
        // A control operation on the same socket: tells when the scan's end was delivered.
        const scan = await insertScan(stack.db.pool, { priority: 5 });
        const scanId = scan.id;
        const variables = { id: scanId };
        batch([
          { id: 'X', type: 'subscribe', payload: { query, variables } },
          { id: 'X', type: 'complete' },
          { id: 'X', type: 'subscribe', payload: { query, variables } },
          { id: 'C', type: 'subscribe', payload: { query: PROGRESS, variables } },
        ]);
        // scanProgress starts with the current state; scanUpdates with the next event.
        await waitFor('C live', () => nextSeqs(frames, 'C', scanId).length > 0);
        if (field === 'scanProgress') {
          await waitFor('X live', () => nextSeqs(frames, 'X', scanId).length > 0);
        } else {
          // A dashboard is live once it has an event of a scan inserted after it.
          await waitFor('X live', async () => {
            const marker = await insertScan(stack.db.pool);
            await new Promise((r) => setTimeout(r, 200));
            return nextSeqs(frames, 'X', marker.id).length > 0;
          });
        }
        const lease = (await claimScan(stack.db.pool, {
          workerId: `ws-ops-${++workers}`,
          hostname: 'irrelevant',
          leaseMs: 30_000,
        }))!;
        await lease.resetSteps(['os', 'hostname']);
        await lease.startStep(0, 'os', 0);
        await waitFor('seq 3 on X', () => nextSeqs(frames, 'X', scanId).includes(3));
        await waitFor('seq 3 on C', () => nextSeqs(frames, 'C', scanId).includes(3));
        const beforeComplete = nextSeqs(frames, 'X', scanId);
        const framesAtComplete = frames.length;
        ws.send(JSON.stringify({ id: 'X', type: 'complete' }));
        await finishRun(lease);
        await waitFor('C to complete', () =>
          frames.some((f) => f.id === 'C' && f.type === 'complete'),
        );
        // Whatever X had queued has had every chance to go out by now.
        await new Promise((r) => setTimeout(r, 300));

        const expected = field === 'scanProgress' ? [1, 2, 3] : [2, 3];
        expect(beforeComplete).toEqual(expected);
        expect(frames.slice(framesAtComplete).filter((f) => f.id === 'X')).toEqual([]);
        expect(frames.filter((f) => f.id === 'X' && f.type !== 'next')).toEqual([]);
        if (field === 'scanProgress') {
          // The first X was completed before it started: nothing came of it.
          expect(frames.filter((f) => f.id === 'X').length).toBe(3);
        }
        expect(nextSeqs(frames, 'C', scanId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        ws.close();
      }
    });
  },
);

it('graphql-ws client: a subscription disposed at once and started again runs once, and nothing comes after dispose', async () => {
  const received: Frame[] = [];
  const client = wsClient(api.wsUrl, ADMIN_TOKEN, {
    message: (m) => received.push(m as Frame),
  });
  clients.push(client);
  const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };
  // Keeps the (lazy) socket open, so the restart below goes out on a live socket.
  client.subscribe(
    { query: `subscription { scanUpdates(filter: { status: [CANCELLED] }) { seq } }` },
    sink,
  );
  await waitFor('connected', () => received.some((f) => f.type === 'connection_ack'));
  const scan = await insertScan(stack.db.pool, { priority: 5 });
  const request = { query: PROGRESS, variables: { id: scan.id } };
  // Restarted in one tick, as a UI re-rendering might: subscribe, complete, subscribe.
  client.subscribe(request, sink)();
  const second = client.subscribe(request, sink);
  const nexts = () => received.filter((f) => f.type === 'next');
  await waitFor('the current state', () => nexts().length > 0);
  const lease = (await claimScan(stack.db.pool, {
    workerId: `ws-ops-${++workers}`,
    hostname: 'irrelevant',
    leaseMs: 30_000,
  }))!;
  await lease.resetSteps(['os', 'hostname']);
  await lease.startStep(0, 'os', 0);
  await waitFor('seq 3', () => nexts().length >= 3);
  expect(nexts().map((f) => f.payload!.data!.scanProgress!.seq)).toEqual([1, 2, 3]);
  const restarted = new Set(nexts().map((f) => f.id));
  expect(restarted.size).toBe(1);
  const atDispose = received.length;
  second();
  await finishRun(lease);
  // A control subscription on the same socket shows the end was delivered.
  const control: number[] = [];
  await new Promise<void>((resolve, reject) =>
    client.subscribe<{ scanProgress: { seq: number } }>(
      { query: PROGRESS, variables: { id: scan.id, afterSeq: 3 } },
      { next: (v) => control.push(v.data!.scanProgress.seq), error: reject, complete: resolve },
    ),
  );
  expect(control).toEqual([4, 5, 6, 7]);
  await new Promise((r) => setTimeout(r, 300));
  expect(received.slice(atDispose).filter((f) => restarted.has(f.id))).toEqual([]);
});

it('operations graphql-ws cannot identify (bad operationName) do not use up the socket', async () => {
  const { ws, frames, batch } = await rawSocket();
  try {
    // 150 in all, in batches under the limit of 100 operations in flight at once.
    for (let round = 0; round < 3; round++) {
      batch(
        Array.from({ length: 50 }, (_, i) => ({
          id: `bad-${round}-${i}`,
          type: 'subscribe',
          payload: { query: 'subscription A { scanUpdates { seq } }', operationName: 'B' },
        })),
      );
      await waitFor(
        '50 errors',
        () => frames.filter((f) => f.type === 'error').length === 50 * (round + 1),
      );
    }
    batch([{ id: 'good', type: 'subscribe', payload: { query: SCAN_UPDATES } }]);
    const scanIds: string[] = [];
    await waitFor('the good operation live', async () => {
      scanIds.push((await insertScan(stack.db.pool)).id);
      await new Promise((r) => setTimeout(r, 200));
      return frames.some((f) => f.id === 'good' && f.type === 'next');
    });
    expect(frames.filter((f) => f.id === 'good' && f.type === 'error')).toEqual([]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // Told as a client mistake, not masked as an internal error.
    const errors = frames
      .filter((f) => f.type === 'error' && f.id !== 'good')
      .map((f) => JSON.stringify(f.payload));
    expect(errors.filter((e) => !e.includes('Unable to identify operation'))).toEqual([]);
  } finally {
    ws.close();
  }
});
