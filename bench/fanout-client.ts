/**
 * The fan-out bench's client, a child process of the bench (so its CPU is
 * not the server's): N graphql-ws clients, one socket each, all sending
 * the same subscription, driven over IPC by bench/fanout.ts. The same code
 * runs against the product and against the plain graphql-ws server.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A request from the bench; every one is answered with `{ id, ... }`. */
export type ClientRequest =
  | {
      cmd: 'connect';
      url: string;
      token: string | null;
      n: number;
      query: string;
      variables?: Record<string, unknown>;
    }
  | { cmd: 'status' }
  | { cmd: 'reset' }
  | { cmd: 'rearm' }
  | { cmd: 'latencies' }
  | { cmd: 'close' };

export interface ClientStatus {
  subscribers: number;
  /** Subscribers that received at least one event since the last reset. */
  withEvent: number;
  /** Subscribers whose last event was terminal. */
  terminal: number;
  errors: number;
  /** ms from the connect request to the last subscriber's first event. */
  lastFirstMs: number;
}

interface Sub {
  client: Client;
  events: number;
  terminal: boolean;
  firstMs: number;
}

const TERMINAL = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED']);
const subs: Sub[] = [];
let latencies: number[] = [];
let errors = 0;
let t0 = 0;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function connect(m: Extract<ClientRequest, { cmd: 'connect' }>): void {
  t0 = performance.now();
  for (let i = 0; i < m.n; i++) {
    const client = createClient({
      url: m.url,
      webSocketImpl: WebSocket,
      connectionParams: m.token ? { authorization: `Bearer ${m.token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    const sub: Sub = { client, events: 0, terminal: false, firstMs: -1 };
    subs.push(sub);
    client.subscribe<Record<string, { status: string; at: string }>>(
      { query: m.query, variables: m.variables },
      {
        next: (v) => {
          const now = Date.now();
          const event = Object.values(v.data ?? {})[0];
          if (!event) return void errors++;
          if (sub.events++ === 0) sub.firstMs = performance.now() - t0;
          latencies.push(now - Date.parse(event.at));
          sub.terminal = TERMINAL.has(event.status);
        },
        error: () => void errors++,
        complete: () => undefined,
      },
    );
  }
}

function status(): ClientStatus {
  let withEvent = 0;
  let terminal = 0;
  let lastFirstMs = 0;
  for (const s of subs) {
    if (s.events > 0) withEvent++;
    if (s.terminal) terminal++;
    lastFirstMs = Math.max(lastFirstMs, s.firstMs);
  }
  return { subscribers: subs.length, withEvent, terminal, errors, lastFirstMs };
}

// graphql-ws's client can reject an internal promise with the socket's
// ErrorEvent/CloseEvent when a connect fails (10,000 at once on a loaded
// machine): that is one more failed subscriber, not a reason to die and
// leave the bench waiting for answers.
process.on('unhandledRejection', () => void errors++);

process.on('message', (raw: { id: number; req: ClientRequest }) => {
  const { id, req } = raw;
  const reply = (body: object) => process.send!({ id, ...body });
  switch (req.cmd) {
    case 'connect':
      connect(req);
      return reply({});
    case 'status':
      return reply(status());
    case 'reset':
      latencies = [];
      for (const s of subs) Object.assign(s, { events: 0, terminal: false, firstMs: -1 });
      return reply({});
    case 'rearm':
      // Next scan: keep the latencies, forget who saw the last end.
      for (const s of subs) s.terminal = false;
      return reply({});
    case 'latencies': {
      const sorted = [...latencies].sort((a, b) => a - b);
      return reply({ count: sorted.length, p50: pct(sorted, 50), p99: pct(sorted, 99) });
    }
    case 'close':
      // dispose() of a client whose socket never opened can wait forever:
      // give the sockets a moment to close, then exit (which closes the rest).
      void Promise.race([
        Promise.all(subs.map((s) => s.client.dispose())),
        new Promise((r) => setTimeout(r, 5_000)),
      ]).then(() => {
        reply({});
        process.exit(0);
      });
  }
});
