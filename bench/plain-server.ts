/**
 * The fan-out bench's yardstick, a child process of the bench: a plain
 * graphql-ws server (graphql-ws's own useServer, graphql-js, one async
 * iterator per subscriber over an in-memory pub/sub) with the product's
 * event shape and subscription names. The bench publishes events over IPC;
 * each event's `at` is the moment it is published.
 */
import http from 'node:http';

import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

interface Event {
  scanId: string;
  seq: number;
  status: string;
  progress: number;
  step: string | null;
  message: string | null;
  at?: string;
}

const TERMINAL = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED']);
const schema = buildSchema(`
  type ScanProgressEvent { scanId: ID! seq: Int! status: String! progress: Int! step: String message: String at: String! }
  type Query { ok: Boolean }
  type Subscription { scanUpdates: ScanProgressEvent! scanProgress(id: ID!): ScanProgressEvent! }
`);
const listeners = new Set<(e: Event) => void>();

/** One subscriber's stream: `first`, then every published event (of `scanId`, if given). */
function stream(
  field: string,
  scanId: string | null,
  first: Event | null,
): AsyncIterableIterator<object> {
  const buffer: Event[] = first ? [first] : [];
  let wake: (() => void) | null = null;
  let done = false;
  const listener = (e: Event) => {
    if (scanId && e.scanId !== scanId) return;
    buffer.push(e);
    wake?.();
  };
  listeners.add(listener);
  const iterator: AsyncIterableIterator<object> = {
    async next() {
      while (buffer.length === 0 && !done) await new Promise<void>((r) => (wake = r));
      wake = null;
      const e = buffer.shift();
      if (!e) return { done: true, value: undefined };
      if (scanId && TERMINAL.has(e.status)) {
        done = true;
        listeners.delete(listener);
      }
      return { done: false, value: { [field]: e } };
    },
    async return() {
      done = true;
      listeners.delete(listener);
      wake?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const roots = {
  subscription: {
    scanUpdates: () => stream('scanUpdates', null, null),
    scanProgress: ({ id }: { id: string }) =>
      stream('scanProgress', id, {
        scanId: id,
        seq: 1,
        status: 'PENDING',
        progress: 0,
        step: null,
        message: 'current state',
        at: new Date().toISOString(),
      }),
  },
};

const server = http.createServer();
const wsServer = new WebSocketServer({ server, path: '/graphql' });
useServer({ schema, roots }, wsServer);
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.send!({ port: address.port });
});
process.on('message', (e: Event) => {
  const event = { ...e, at: new Date().toISOString() };
  for (const l of listeners) l(event);
});
