/**
 * Fan-out rows of `npm run bench` (alone: BENCH_ONLY=fanout): each beside a
 * plain graphql-ws server (bench/plain-server.ts) measured in the same run
 * with the same client code (bench/fanout-client.ts), the client in its own
 * process. Latency is from an event's `at` (the product: the worker's
 * statement; the plain server: its publish) to the client's frame.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type pg from 'pg';

import { gqlOk } from '../test/support/graphql';
import type { RunningService } from '../test/support/service';
import type { ClientRequest, ClientStatus } from './fanout-client';

const BIG = Number(process.env.BENCH_FANOUT_N ?? 10_000);
const SMALL = Number(process.env.BENCH_FANOUT_SMALL_N ?? 1_000);
const LATENCY_SCANS = Number(process.env.BENCH_FANOUT_LATENCY_SCANS ?? 5);
const UPDATES = `subscription { scanUpdates { scanId seq status progress step message at } }`;
const PROGRESS = `subscription ($id: ID!) { scanProgress(id: $id) { scanId seq status progress step message at } }`;

/** The client child process, request by request. */
class ClientProcess {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (body: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private exited = false;

  constructor() {
    this.child = fork(path.join(__dirname, 'fanout-client.ts'), [], { execArgv: process.execArgv });
    this.child.on('message', (m: { id: number } & Record<string, unknown>) => {
      this.waiting.get(m.id)?.resolve(m);
      this.waiting.delete(m.id);
    });
    // A client that died answers nothing more: fail its requests, not hang.
    this.child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) {
        w.reject(new Error(`fan-out client exited (code ${code}, signal ${signal})`));
      }
      this.waiting.clear();
      this.exited = true;
    });
  }

  request<T = Record<string, unknown>>(req: ClientRequest): Promise<T> {
    const id = ++this.next;
    if (this.exited) return Promise.reject(new Error('fan-out client exited'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (b: Record<string, unknown>) => void, reject });
      this.child.send({ id, req });
    });
  }

  status(): Promise<ClientStatus> {
    return this.request<ClientStatus>({ cmd: 'status' });
  }

  /** Polls status until `done` says so (or throws after `timeoutMs`). */
  async until(
    what: string,
    done: (s: ClientStatus) => boolean,
    timeoutMs = 120_000,
  ): Promise<ClientStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (done(s)) return s;
      if (Date.now() > deadline) throw new Error(`fan-out bench: ${what}: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.request({ cmd: 'close' });
    await exited;
  }
}

/** One server under test: how to make it emit, and its process for RSS. */
interface Target {
  name: string;
  wsUrl: string;
  token: string | null;
  pid: number;
  /** Makes a marker event every dashboard gets. */
  marker(): Promise<void>;
  /** Runs one QUICK scan's events; resolves with its id. */
  scan(): Promise<string>;
  /** A scan that stays running for the storm, and how to end it. */
  idleScan(): Promise<{ id: string; end(): Promise<void> }>;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));
const settle = () => sleep(1_000);

/** Resolves once all n dashboards have had an event of a marker made after they subscribed. */
async function untilLive(t: Target, client: ClientProcess, n: number): Promise<ClientStatus> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    await t.marker();
    await sleep(500);
    const s = await client.status();
    if (s.withEvent + s.errors >= n) return s;
    if (Date.now() > deadline)
      throw new Error(`fan-out bench: dashboards not live: ${JSON.stringify(s)}`);
  }
}

/** N dashboards, one QUICK scan: latency p50/p99, and RSS per idle subscriber. */
async function fanOut(
  t: Target,
  n: number,
): Promise<{ p50: number; p99: number; rssKb: number; errors: number }> {
  const client = new ClientProcess();
  try {
    await settle();
    const before = rssKb(t.pid);
    await client.request({ cmd: 'connect', url: t.wsUrl, token: t.token, n, query: UPDATES });
    // Live once every dashboard has had a marker event.
    const live = await untilLive(t, client, n);
    await settle();
    const idle = (rssKb(t.pid) - before) / n;
    await client.request({ cmd: 'reset' });
    await t.scan();
    await client.until('terminal everywhere', (s) => s.terminal + s.errors >= n);
    const l = await client.request<{ p50: number; p99: number }>({ cmd: 'latencies' });
    return { p50: l.p50, p99: l.p99, rssKb: idle, errors: live.errors };
  } finally {
    await client.close();
  }
}

/** One dashboard, several QUICK scans in turn: latency p50/p99. */
async function single(t: Target): Promise<{ p50: number; p99: number }> {
  const client = new ClientProcess();
  try {
    await client.request({ cmd: 'connect', url: t.wsUrl, token: t.token, n: 1, query: UPDATES });
    await untilLive(t, client, 1);
    await client.request({ cmd: 'reset' });
    for (let i = 0; i < LATENCY_SCANS; i++) {
      await t.scan();
      await client.until('scan end', (s) => s.terminal === 1);
      await client.request({ cmd: 'rearm' });
    }
    return await client.request<{ p50: number; p99: number }>({ cmd: 'latencies' });
  } finally {
    await client.close();
  }
}

/** N scanProgress subscribers of one running scan at once: time to the last snapshot. */
async function storm(
  t: Target,
  n: number,
): Promise<{ ms: number; errors: number; terminal: number; rssKb: number }> {
  const client = new ClientProcess();
  try {
    const scan = await t.idleScan();
    await settle();
    const before = rssKb(t.pid);
    await client.request({
      cmd: 'connect',
      url: t.wsUrl,
      token: t.token,
      n,
      query: PROGRESS,
      variables: { id: scan.id },
    });
    const s = await client.until('every snapshot', (x) => x.withEvent + x.errors >= n, 300_000);
    await settle();
    const idle = (rssKb(t.pid) - before) / n;
    await scan.end();
    const end = await client.until('terminal everywhere', (x) => x.terminal + x.errors >= n);
    return { ms: s.lastFirstMs, errors: end.errors, terminal: end.terminal, rssKb: idle };
  } finally {
    await client.close();
  }
}

/** The plain graphql-ws server, replaying the product's QUICK scan timeline. */
async function startPlain(
  timeline: Array<Record<string, unknown> & { offsetMs: number }>,
): Promise<{ target: Target; stop(): void }> {
  const child = fork(path.join(__dirname, 'plain-server.ts'), [], { execArgv: process.execArgv });
  const port = await new Promise<number>((r) =>
    child.once('message', (m: { port: number }) => r(m.port)),
  );
  let scans = 0;
  const publish = (e: object): void => void child.send(e);
  return {
    stop: () => child.kill(),
    target: {
      name: 'plain graphql-ws',
      wsUrl: `ws://127.0.0.1:${port}/graphql`,
      token: null,
      pid: child.pid!,
      marker: async () =>
        publish({
          scanId: `marker-${++scans}`,
          seq: 1,
          status: 'PENDING',
          progress: 0,
          step: null,
          message: null,
        }),
      scan: async () => {
        const scanId = `scan-${++scans}`;
        const t0 = performance.now();
        for (const e of timeline) {
          const wait = e.offsetMs - (performance.now() - t0);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          publish({ ...e, offsetMs: undefined, scanId });
        }
        return scanId;
      },
      idleScan: async () => {
        const scanId = `idle-${++scans}`;
        return {
          id: scanId,
          end: async () =>
            publish({
              scanId,
              seq: 2,
              status: 'CANCELLED',
              progress: 0,
              step: null,
              message: 'cancelled',
            }),
        };
      },
    },
  };
}

/** The product (`main`: API and worker in one process, as npm start), with LOCAL QUICK scans. */
function productTarget(
  service: RunningService,
  token: string,
  db: pg.Pool,
): Target & {
  timeline(id: string): Promise<Array<Record<string, unknown> & { offsetMs: number }>>;
} {
  const start = async (hostname: string) =>
    (
      await gqlOk<{ startScan: { scan: { id: string } } }>(
        service.httpUrl,
        token,
        `mutation($h: String!) { startScan(input: { target: { hostname: $h, transport: LOCAL }, type: QUICK }) { scan { id } } }`,
        { h: hostname },
      )
    ).startScan.scan.id;
  let markers = 0;
  return {
    name: 'product',
    wsUrl: service.wsUrl,
    token,
    pid: service.child.pid!,
    // A LOCAL scan of a host no worker runs on stays PENDING: one event.
    marker: async () => void (await start(`marker-${++markers}.invalid`)),
    scan: () => start(os.hostname()),
    idleScan: async () => {
      const id = await start(`storm-${++markers}.invalid`);
      return {
        id,
        end: async () =>
          void (await gqlOk(
            service.httpUrl,
            token,
            `mutation($id: ID!) { cancelScan(id: $id) { id } }`,
            { id },
          )),
      };
    },
    async timeline(id) {
      const { rows } = await db.query<{
        seq: number;
        status: string;
        progress: number;
        step: string | null;
        message: string | null;
        at: Date;
      }>(
        `select seq, status, progress, step, message, at from scan_events where scan_id = $1 order by seq`,
        [id],
      );
      const t0 = rows[0]!.at.getTime();
      return rows.map(({ at, ...e }) => ({ ...e, offsetMs: at.getTime() - t0 }));
    },
  };
}

const ms = (v: number) => `${v.toFixed(0)} ms`;

/** Runs every fan-out row against the product and the plain server; returns the rows. */
export async function fanoutRows(
  service: RunningService,
  token: string,
  db: pg.Pool,
): Promise<Array<[string, string]>> {
  // A service that dies mid-run would show up only as ECONNRESET here: say why.
  service.child.once('exit', (code, signal) =>
    console.error(
      `fan-out bench: the service exited (code ${code}, signal ${signal}); log tail:\n${service.logs().slice(-3000)}`,
    ),
  );
  const product = productTarget(service, token, db);
  const first = await product.scan();
  await new Promise((r) => setTimeout(r, 3_000));
  const plain = await startPlain(await product.timeline(first));
  const rows: Array<[string, string]> = [];
  const both = async <T>(run: (t: Target) => Promise<T>, show: (r: T) => string, label: string) => {
    const a = await run(product);
    const b = await run(plain.target);
    rows.push([label, `product ${show(a)} | plain graphql-ws ${show(b)}`]);
    // Printed as measured too: a later row that fails or hangs loses nothing.
    console.error(`[fan-out] ${label}: ${rows.at(-1)![1]}`);
  };
  try {
    await both(
      single,
      (r) => `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`,
      `1 scanUpdates subscriber, event at → client frame (${LATENCY_SCANS} QUICK scans)`,
    );
    for (const n of [SMALL, BIG]) {
      await both(
        (t) => fanOut(t, n),
        (r) =>
          `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.rssKb.toFixed(1)} KB RSS/idle subscriber${r.errors ? `, ${r.errors} errors` : ''}`,
        `${n} scanUpdates subscribers, one QUICK scan, event at → client frame`,
      );
    }
    await both(
      (t) => storm(t, BIG),
      (r) =>
        `${(r.ms / 1000).toFixed(1)} s, ${r.errors} errors, ${r.terminal}/${BIG} terminal, ${r.rssKb.toFixed(1)} KB RSS/subscriber`,
      `${BIG} scanProgress(id) subscribers at once, first connect → last snapshot`,
    );
  } finally {
    plain.stop();
  }
  return rows;
}
