/** Helpers for the tests that drive the EventHub directly. */
import type pg from 'pg';

import { EventHub } from '../../src/events/hub';
import type { HubOptions } from '../../src/events/hub-options';
import type { ScanEvent } from '../../src/events/scan-event';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase, testPool } from './db';

/**
 * A pool that records the text of every query its clients send: through
 * `pool.query` and through checked-out clients alike (a shared
 * transaction's statements too), to prove what an EventHub or a worker
 * sends (say, that reads do not scale with subscribers).
 */
export function countingPool(url: string, max: number): { pool: pg.Pool; queries: string[] } {
  const pool = testPool(url, max);
  const queries: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (
      ...args: unknown[]
    ) => {
      const first = args[0];
      queries.push(typeof first === 'string' ? first : (first as { text: string }).text);
      return query(...args);
    };
  });
  return { pool, queries };
}

/** Every event of a stream until it completes, or what came before `timeoutMs`. */
export async function drain(
  iter: AsyncIterable<ScanEvent>,
  timeoutMs = 10_000,
): Promise<ScanEvent[]> {
  const out: ScanEvent[] = [];
  const timer = setTimeout(() => {
    void (iter as AsyncIterableIterator<ScanEvent>).return?.();
  }, timeoutMs);
  for await (const e of iter) out.push(e);
  clearTimeout(timer);
  return out;
}

export interface TestHub {
  db: TestDatabase;
  hub: EventHub;
  /** The hub's own pool. */
  hubPool: pg.Pool;
  /** Every query the hub made through its pool. */
  queries: string[];
  stop(): Promise<void>;
}

/**
 * A started EventHub on a fresh test database, its reads counted
 * (countingPool), with `options` over the defaults (LISTEN mode, silent log).
 */
export async function startTestHub(options: Partial<HubOptions> = {}): Promise<TestHub> {
  const db = await createTestDatabase();
  const { pool: hubPool, queries } = countingPool(db.url, 5);
  const hub = new EventHub({
    pgPool: hubPool,
    connectionString: db.url,
    log: createLogger('silent'),
    ...options,
  });
  await hub.start();
  return {
    db,
    hub,
    hubPool,
    queries,
    async stop() {
      await hub.stop();
      await hubPool.end();
      await db.drop();
    },
  };
}
