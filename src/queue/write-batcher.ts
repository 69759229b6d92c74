import type pg from 'pg';

import { isDatabaseConnectionError } from '../db/pg-errors';
import { preparedQuery } from '../db/prepared';

interface Pending {
  text: string;
  values: unknown[];
  resolve: (result: pg.QueryResult) => void;
  reject: (error: unknown) => void;
}

/** Writes in flight at once before further ones wait to go together. */
const MAX_IN_FLIGHT = 4;
/** Statements one shared transaction carries at most. */
const MAX_PER_TRANSACTION = 64;

/**
 * Group commit for a worker's fenced writes. Every statement that appends
 * a progress event sends a NOTIFY from its trigger, and PostgreSQL commits
 * transactions that NOTIFY one at a time (its NOTIFY queue lock is held to
 * the end of each commit): under a fleet's load, writes of different scans
 * queued on that lock (docs/benchmarks.md). Here, while MAX_IN_FLIGHT
 * writes are running, further writes wait, and the next turn sends all that
 * waited (up to MAX_PER_TRANSACTION) in one transaction: one lock turn and
 * one WAL flush for all of them. Under light load each write goes alone, as
 * before, with no added wait.
 *
 * Each write's result is its own statement's (a fenced statement that
 * matched nothing has rowCount 0, and the others still commit). When the
 * shared transaction fails, nothing in it committed: a connection error
 * reaches every write (their callers retry, as for a lone write), and any
 * other error sends each write again on its own, so one bad statement
 * never fails another scan's write.
 */
export class WriteBatcher {
  private readonly waiting: Pending[] = [];
  private inFlight = 0;

  constructor(private readonly pgPool: pg.Pool) {}

  /** Runs one statement, alone or in a shared transaction; resolves with its own result. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return new Promise<pg.QueryResult<R>>((resolve, reject) => {
      this.waiting.push({
        text,
        values,
        resolve: resolve as (r: pg.QueryResult) => void,
        reject,
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_PER_TRANSACTION);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [Pending];
      await this.pgPool.query(one.text, one.values).then(one.resolve, one.reject);
      return;
    }
    let results: pg.QueryResult[];
    try {
      results = await this.transaction(batch);
    } catch (e) {
      if (isDatabaseConnectionError(e)) {
        for (const w of batch) w.reject(e);
        return;
      }
      // A statement's own error rolled back the rest: each on its own now.
      await Promise.all(
        batch.map((w) => this.pgPool.query(w.text, w.values).then(w.resolve, w.reject)),
      );
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  private async transaction(batch: Pending[]): Promise<pg.QueryResult[]> {
    const client = await this.pgPool.connect();
    let broken: unknown = undefined;
    try {
      await client.query('begin');
      const results: pg.QueryResult[] = [];
      try {
        for (const w of batch) {
          results.push(await client.query(preparedQuery(this.pgPool, w.text, w.values)));
        }
        await client.query('commit');
      } catch (e) {
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw e;
      }
      return results;
    } catch (e) {
      if (isDatabaseConnectionError(e)) broken = e;
      throw e;
    } finally {
      // A client whose connection failed is not handed out again.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

const batchers = new WeakMap<pg.Pool, WriteBatcher>();

/** The batcher every Lease on `pgPool` writes through (one per pool, so all its scans share it). */
export function writeBatcherFor(pgPool: pg.Pool): WriteBatcher {
  let batcher = batchers.get(pgPool);
  if (!batcher) batchers.set(pgPool, (batcher = new WriteBatcher(pgPool)));
  return batcher;
}
