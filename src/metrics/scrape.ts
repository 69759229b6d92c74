/**
 * Gauges read at scrape time, from whatever this process has: its event hub
 * (live subscriptions), its WebSocket server (connections) and the database
 * (scans by status and type, the pending queue). The composition root adds
 * those sources when it builds them and removes them when it stops them; a
 * process without them (a worker only) reports 0 subscriptions and
 * connections and no scans gauges.
 */
import { Gauge } from 'prom-client';

import { ScanStatus, ScanType } from '../domain/states';
import type { Logger } from '../logger';
import { registry } from './instruments';
import type { ScanStats, ScanStatsReader } from './scan-stats';

export interface ScrapeSources {
  /** Live GraphQL subscriptions (scanProgress and scanUpdates) held by this process. */
  readonly subscriptions?: () => number;
  /** Open WebSocket connections of this process. */
  readonly webSockets?: () => number;
  /** The scans gauges' database read. */
  readonly scanStats?: ScanStatsReader;
  /** Told when the database read fails (the scrape still answers, without those gauges). */
  readonly log?: Logger;
}

const sources = new Set<ScrapeSources>();

/** Adds sources the gauges read at each scrape; returns the function that removes them. */
export function addScrapeSources(s: ScrapeSources): () => void {
  sources.add(s);
  // Only a process that reads the database says whether the read worked:
  // elsewhere an unlabelled gauge would show a 0 that means nothing.
  if (s.scanStats && !registry.getSingleMetric(DATABASE_UP)) registry.registerMetric(databaseUp);
  return () => sources.delete(s);
}

const sum = (pick: (s: ScrapeSources) => (() => number) | undefined): number => {
  let n = 0;
  for (const s of sources) n += pick(s)?.() ?? 0;
  return n;
};

new Gauge({
  name: 'hostscan_subscriptions',
  help: 'Live GraphQL subscriptions (scanProgress and scanUpdates) in this process.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.subscriptions));
  },
});

new Gauge({
  name: 'hostscan_websocket_connections',
  help: 'Open graphql-ws WebSocket connections to this process.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.webSockets));
  },
});

/**
 * The first source with a database read; undefined in a process that has
 * none. One read per scrape whatever the number of gauges: the reader shares
 * it (ScanStatsReader).
 */
async function scanStats(): Promise<ScanStats | null | undefined> {
  for (const s of sources) {
    if (!s.scanStats) continue;
    try {
      return await s.scanStats.read();
    } catch (e) {
      s.log?.warn({ err: e }, 'metrics: reading the scans gauges failed');
      return null;
    }
  }
  return undefined;
}

const STATUSES = Object.values(ScanStatus);
const TYPES = Object.values(ScanType);

new Gauge({
  name: 'hostscan_scans',
  help: 'Scans in the database by status and type (the same in every process: aggregate with max, not sum).',
  labelNames: ['status', 'type'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const stats = await scanStats();
    if (!stats) return;
    // Every pair is present, zeros included, so a rate or an alert on a
    // status that has not happened yet still has a series to look at.
    for (const status of STATUSES) for (const type of TYPES) this.set({ status, type }, 0);
    for (const r of stats.byStatusAndType) this.set({ status: r.status, type: r.type }, r.n);
  },
});

new Gauge({
  name: 'hostscan_scans_pending',
  help: 'PENDING scans per pool: queued, or waiting out a retry backoff (the same in every process).',
  labelNames: ['pool'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const stats = await scanStats();
    for (const r of stats?.pendingByPool ?? []) this.set({ pool: r.pool }, r.n);
  },
});

new Gauge({
  name: 'hostscan_queue_oldest_wait_seconds',
  help: 'Per pool, how long the longest-waiting runnable PENDING scan has waited for a worker (database clock).',
  labelNames: ['pool'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const stats = await scanStats();
    for (const r of stats?.pendingByPool ?? []) this.set({ pool: r.pool }, r.oldest_wait);
  },
});

const DATABASE_UP = 'hostscan_metrics_database_up';

/** Registered by addScrapeSources once a database read is added (hence `registers: []` here). */
const databaseUp: Gauge = new Gauge({
  name: DATABASE_UP,
  help: '1 when this scrape read the scans gauges from the database, 0 when that read failed or timed out.',
  registers: [],
  async collect() {
    this.set((await scanStats()) ? 1 : 0);
  },
});
