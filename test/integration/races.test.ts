/**
 * Races between a scan's state changes and the two places that must not lose
 * them: cancelScan while the scan moves between PENDING and RUNNING, and the
 * host-key pin two scans of one new host make at the same time.
 *
 * Real PostgreSQL throughout, with separate connections for each side. Where
 * a pure race would only now and then land in the window that matters, the
 * test holds the scan's row lock from another connection (SELECT ... FOR
 * UPDATE in an open transaction): the service's statement queues behind it,
 * the test moves the scan in that same transaction, and the commit lets the
 * statement go on against the moved row. pg_blocking_pids() tells which
 * statement is waiting, so nothing here depends on timing.
 */
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { ScanError, ScanErrorCode } from '../../src/domain/errors';
import type { Scan } from '../../src/graphql/scan/scan.type';
import { claimScan } from '../../src/queue/claim';
import { Lease } from '../../src/queue/lease';
import { reapExpiredLeases } from '../../src/queue/reaper';
import type { HostRow, ScanRow } from '../../src/queue/rows';
import * as sql from '../../src/queue/sql';
import { ScanService } from '../../src/services/scan.service';
import type { HostTransport } from '../../src/transport';
import { type DbRetry, pinOnFirstContact } from '../../src/worker/connect';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';
import { insertScan, scanRow } from '../support/fixtures';

let db: TestDatabase;
/** The API's connections: cancelScan runs on these only. */
let apiPool: pg.Pool;
/** A worker's connections (claims, requeues, host-key pins). */
let workerPool: pg.Pool;
/** Another worker's (or its reaper's) connections. */
let otherPool: pg.Pool;
let scans: ScanService;

const LEASE_MS = 30_000;
/** Plenty: a reap here always re-queues, never ends the scan WORKER_LOST. */
const MAX_ATTEMPTS = 50;

beforeAll(async () => {
  db = await createTestDatabase();
  apiPool = testPool(db.url, 3);
  workerPool = testPool(db.url, 3);
  otherPool = testPool(db.url, 3);
  scans = new ScanService(apiPool, { defaultScanTimeoutSeconds: 600, maxAttempts: MAX_ATTEMPTS });
});

afterAll(async () => {
  await Promise.all([apiPool.end(), workerPool.end(), otherPool.end()]);
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('truncate scans, hosts cascade');
});

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Starts `p` now and never lets it reject unobserved. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function describeError(e: unknown): string {
  const err = e as { message?: string; extensions?: { code?: string } };
  return `${err.extensions?.code ?? ''} ${err.message ?? String(e)}`.trim();
}

/**
 * A transaction's connection as the queue functions take it (claimScan,
 * reapExpiredLeases and a Lease only ever call `query` on their pool), so
 * their own statements run inside the transaction.
 */
function inTransaction(client: pg.PoolClient): pg.Pool {
  return client as unknown as pg.Pool;
}

/** The scan's worker gives it back to the queue after a retryable failure. */
async function requeue(tx: pg.Pool, scan: ScanRow): Promise<void> {
  const lease = new Lease(tx, scan, scan.worker_id!, LEASE_MS);
  await lease.retryLater(0, {
    code: ScanErrorCode.CONNECTION_REFUSED,
    message: 'connection refused',
  });
}

/** Claims the one runnable scan there is, which must be `id`. */
async function claim(tx: pg.Pool, id: string, workerId: string): Promise<ScanRow> {
  const lease = await claimScan(tx, {
    workerId: workerId,
    hostname: 'irrelevant',
    leaseMs: LEASE_MS,
  });
  expect(lease?.id).toBe(id);
  return lease!.scan;
}

/** Lock-holding transactions a test has not committed yet (a failed one). */
const openTransactions = new Set<pg.PoolClient>();

afterEach(() => {
  // Closing the connection rolls the transaction back and frees its locks,
  // so one failed test does not leave the next waiting on them.
  for (const client of openTransactions) client.release(true);
  openTransactions.clear();
});

interface Transaction {
  pid: number;
  /** The transaction, for the queue functions (see inTransaction). */
  tx: pg.Pool;
  commit(): Promise<void>;
}

/** BEGIN on a connection of its own. */
async function begin(): Promise<Transaction & { client: pg.PoolClient }> {
  const client = await db.pool.connect();
  openTransactions.add(client);
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  await client.query('begin');
  return {
    client,
    pid,
    tx: inTransaction(client),
    async commit() {
      await client.query('commit');
      openTransactions.delete(client);
      client.release();
    },
  };
}

/**
 * A transaction that holds one scan row locked (FOR UPDATE) until commit.
 * Moves made through `tx` happen inside it.
 */
async function lockScanRow(id: string): Promise<Transaction> {
  const t = await begin();
  const locked = await t.client.query('select id from scans where id = $1 for update', [id]);
  expect(locked.rowCount).toBe(1);
  return t;
}

/**
 * Waits until a statement whose text contains `marker` is waiting for a lock
 * that backend `blockerPid` holds (or is queued for), and returns its pid.
 */
async function waitUntilBlocked(blockerPid: number, marker: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await db.pool.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where datname = current_database() and $1 = any(pg_blocking_pids(pid))
          and position($2 in query) > 0`,
      [blockerPid, marker],
    );
    if (res.rows[0]) return res.rows[0].pid;
    if (Date.now() > deadline) {
      const all = await db.pool.query(
        `select pid, state, wait_event_type, left(query, 80) as query from pg_stat_activity
          where datname = current_database()`,
      );
      throw new Error(
        `no statement containing "${marker}" blocked by ${blockerPid}: ${JSON.stringify(all.rows)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * A transaction that asks for a table lock on scans and waits until the
 * request is queued (it conflicts with a lock someone holds). `granted`
 * settles once it holds the lock.
 */
async function lockScansTable(
  mode: 'share' | 'access exclusive',
): Promise<Transaction & { granted: Promise<void> }> {
  const t = await begin();
  const granted = settle(t.client.query(`lock table scans in ${mode} mode`));
  await waitUntilWaiting(t.pid);
  return {
    ...t,
    granted: granted.then((r) => {
      if (!r.ok) throw r.error;
    }),
  };
}

/** Waits until backend `pid` is waiting for a lock someone else holds. */
async function waitUntilWaiting(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await db.pool.query<{ waiting: boolean }>(
      `select cardinality(pg_blocking_pids($1)) > 0 as waiting`,
      [pid],
    );
    if (res.rows[0]!.waiting) return;
    if (Date.now() > deadline) throw new Error(`backend ${pid} never waited for a lock`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * How waitUntilBlocked tells cancel()'s three statements apart: the two short
 * ones by their whole text, the cancel-if-PENDING one (longer than
 * pg_stat_activity may keep) by its message.
 */
const CANCEL_PENDING_MARKER = 'cancelled before it started';
const REQUEST_CANCEL_MARKER = sql.REQUEST_CANCEL;
const SCAN_BY_ID_MARKER = sql.SCAN_BY_ID;

/** The two outcomes a successful cancel may leave: done, or asked of the worker. */
function cancelLanded(row: ScanRow): boolean {
  return (
    row.status === 'CANCELLED' || (row.status === 'RUNNING' && row.cancel_requested_at !== null)
  );
}

/** A PENDING scan, claimed by `worker-a`: RUNNING, attempt 1. */
async function runningScan(): Promise<ScanRow> {
  const scan = await insertScan(db.pool, { maxAttempts: MAX_ATTEMPTS });
  const lease = await claimScan(workerPool, {
    workerId: 'worker-a',
    hostname: 'irrelevant',
    leaseMs: LEASE_MS,
  });
  expect(lease?.id).toBe(scan.id);
  return lease!.scan;
}

describe('cancelScan while the scan moves between PENDING and RUNNING', () => {
  // The window: cancel's first statement (cancel if PENDING) misses because
  // the scan is RUNNING; before its second (request if RUNNING) runs, the
  // scan goes back to PENDING. Neither statement matched; before the fix
  // cancel returned the PENDING scan as it was, the cancellation lost, and
  // a worker would go on to claim and run it.
  const moves: Array<{
    name: string;
    /** Moves `scan` back to PENDING; returns the ids of the scans it moved. */
    move(tx: pg.Pool, scan: ScanRow): Promise<string[]>;
  }> = [
    {
      name: 'its worker re-queues it (a retryable failure)',
      async move(tx, scan) {
        await requeue(tx, scan); // throws LeaseLostError if it matched no row
        return [scan.id];
      },
    },
    {
      name: 'the reaper re-queues it (its lease expired)',
      async move(tx, scan) {
        await tx.query(
          `update scans set lease_expires_at = now() - interval '1 second' where id = $1`,
          [scan.id],
        );
        // The reaper, in the transaction that holds the lock (SKIP LOCKED
        // does not skip a row this transaction locked).
        const reaped = await reapExpiredLeases(tx);
        return reaped.filter((r) => r.status === 'PENDING').map((r) => r.id);
      },
    },
  ];

  it.each(moves)(
    'cancels a RUNNING scan that goes back to PENDING between its two statements: $name',
    async ({ move }) => {
      for (let i = 0; i < 10; i++) {
        const scan = await runningScan();
        const lock = await lockScanRow(scan.id);
        const cancelled = settle(scans.cancel(scan.id));
        // The first statement saw RUNNING and matched nothing without
        // waiting; the second (RUNNING, so it wants the row) waits on us.
        await waitUntilBlocked(lock.pid, REQUEST_CANCEL_MARKER);
        expect(await move(lock.tx, scan)).toEqual([scan.id]);
        await lock.commit();

        const result = await cancelled;
        if (!result.ok) throw result.error;
        expect(result.value.status).toBe('CANCELLED');
        const row = await scanRow(db.pool, scan.id);
        expect(row.status).toBe('CANCELLED');
        expect(row.error_code).toBe('CANCELLED');
        // Nothing left for a worker to claim.
        expect(
          await claimScan(workerPool, {
            workerId: 'worker-b',
            hostname: 'irrelevant',
            leaseMs: LEASE_MS,
          }),
        ).toBeNull();
      }
    },
  );

  it('asks the worker to stop a PENDING scan that is claimed under its first statement', async () => {
    // The other direction: cancel's first statement waits for the row, the
    // scan is claimed meanwhile, the statement then finds it RUNNING and the
    // second one lands. (This one held before the fix too.)
    for (let i = 0; i < 10; i++) {
      const scan = await insertScan(db.pool, { maxAttempts: MAX_ATTEMPTS });
      const lock = await lockScanRow(scan.id);
      const cancelled = settle(scans.cancel(scan.id));
      await waitUntilBlocked(lock.pid, CANCEL_PENDING_MARKER);
      await claim(lock.tx, scan.id, 'worker-a');
      await lock.commit();

      const result = await cancelled;
      if (!result.ok) throw result.error;
      expect(result.value.status).toBe('RUNNING');
      expect(result.value.cancelRequestedAt).not.toBeNull();
      const row = await scanRow(db.pool, scan.id);
      expect(cancelLanded(row)).toBe(true);
      expect(row.status).toBe('RUNNING');
    }
  });

  it('cancels a PENDING scan that is claimed under its first statement and re-queued under its second', async () => {
    // PENDING -> RUNNING while the first statement waits (so it misses), then
    // RUNNING -> PENDING while the second waits (so it misses too). The
    // second pause is a SHARE lock on the table, queued while the first
    // statement still runs: the lock manager grants it as that statement's
    // transaction ends, before cancel can send its second statement, which
    // (wanting ROW EXCLUSIVE) then queues behind it.
    for (let i = 0; i < 10; i++) {
      const scan = await insertScan(db.pool, { maxAttempts: MAX_ATTEMPTS });
      const rowLock = await lockScanRow(scan.id);
      const cancelled = settle(scans.cancel(scan.id));
      await waitUntilBlocked(rowLock.pid, CANCEL_PENDING_MARKER);
      const running = await claim(rowLock.tx, scan.id, 'worker-a');
      // Queued only now: asked before the claim's own update, it would make
      // that update wait behind it (a deadlock).
      const tableLock = await lockScansTable('share');
      await rowLock.commit();
      await tableLock.granted;

      await waitUntilBlocked(tableLock.pid, REQUEST_CANCEL_MARKER);
      await requeue(tableLock.tx, running);
      await tableLock.commit();

      const result = await cancelled;
      if (!result.ok) throw result.error;
      expect(result.value.status).toBe('CANCELLED');
      expect((await scanRow(db.pool, scan.id)).status).toBe('CANCELLED');
    }
  });

  it('does not lose a cancel when the scan is re-queued under its second statement and claimed again before it reads the result', async () => {
    // RUNNING -> PENDING while the request-cancel statement waits (it
    // misses), then PENDING -> RUNNING (a new claim) before cancel reads the
    // row back: it reads RUNNING with no cancellation requested. The read is
    // paused by an ACCESS EXCLUSIVE lock on the table, queued while the
    // request-cancel statement still runs.
    for (let i = 0; i < 10; i++) {
      const scan = await runningScan();
      const rowLock = await lockScanRow(scan.id);
      const cancelled = settle(scans.cancel(scan.id));
      await waitUntilBlocked(rowLock.pid, REQUEST_CANCEL_MARKER);
      await requeue(rowLock.tx, scan);
      const tableLock = await lockScansTable('access exclusive');
      await rowLock.commit();
      await tableLock.granted;

      await waitUntilBlocked(tableLock.pid, SCAN_BY_ID_MARKER);
      await claim(tableLock.tx, scan.id, 'worker-b');
      await tableLock.commit();

      const result = await cancelled;
      if (!result.ok) throw result.error;
      const row = await scanRow(db.pool, scan.id);
      expect([result.value.status, result.value.cancelRequestedAt !== null]).toEqual([
        'RUNNING',
        true,
      ]);
      expect([row.status, row.worker_id, row.cancel_requested_at !== null]).toEqual([
        'RUNNING',
        'worker-b',
        true,
      ]);
    }
  });

  it('answers with the cancelled scan, not INVALID_STATE, when the reaper ends it on the request before cancel reads it back', async () => {
    // The request lands on a RUNNING scan whose lease has expired; before
    // cancel reads the row back the reaper ends it CANCELLED (because of that
    // very request). The scan was not finished when cancel asked: the answer
    // is the cancelled scan, not "already CANCELLED". The read is paused as
    // above; the row lock only holds the request statement until the table
    // lock is queued behind it.
    for (let i = 0; i < 10; i++) {
      const scan = await runningScan();
      await db.pool.query(
        `update scans set lease_expires_at = now() - interval '1 second' where id = $1`,
        [scan.id],
      );
      const rowLock = await lockScanRow(scan.id);
      const cancelled = settle(scans.cancel(scan.id));
      await waitUntilBlocked(rowLock.pid, REQUEST_CANCEL_MARKER);
      const tableLock = await lockScansTable('access exclusive');
      await rowLock.commit();
      await tableLock.granted;

      await waitUntilBlocked(tableLock.pid, SCAN_BY_ID_MARKER);
      const reaped = await reapExpiredLeases(tableLock.tx);
      expect(reaped.map((r) => [r.id, r.status])).toEqual([[scan.id, 'CANCELLED']]);
      await tableLock.commit();

      const result = await cancelled;
      if (!result.ok) throw result.error;
      expect(result.value.status).toBe('CANCELLED');
      expect(result.value.cancelRequestedAt).not.toBeNull();
      expect((await scanRow(db.pool, scan.id)).status).toBe('CANCELLED');
    }
  });

  it.each([
    ['a retryable failure', true],
    ['a shutdown release', false],
  ])(
    'ends a scan CANCELLED, not PENDING, when its worker re-queues it after the cancel landed (%s)',
    async (_what, countsAsAttempt) => {
      const scan = await runningScan();
      const answer = await scans.cancel(scan.id);
      expect(answer.status).toBe('RUNNING');
      expect(answer.cancelRequestedAt).not.toBeNull();
      const lease = new Lease(workerPool, scan, 'worker-a', LEASE_MS);
      // Mid-scan: one step done, one running, one not started.
      await lease.resetSteps(['os', 'disk', 'memory']);
      await lease.startStep(0, 'os', 0);
      await lease.finishStep(0, 'os', 33, { part: { hostname: 'h' } });
      await lease.startStep(1, 'disk', 33);
      const requeued = countsAsAttempt
        ? lease.retryLater(0, { code: ScanErrorCode.CONNECTION_REFUSED, message: 'refused' })
        : lease.release('released');
      expect(await requeued).toBe('CANCELLED');
      const row = await scanRow(db.pool, scan.id);
      expect(row.status).toBe('CANCELLED');
      expect(row.error_code).toBe('CANCELLED');
      expect(row.completed_at).not.toBeNull();
      expect(row.max_attempts).toBe(scan.max_attempts);
      // A finished scan shows no step still pending or running.
      const steps = await db.pool.query<{ name: string; status: string }>(
        `select name, status from scan_steps where scan_id = $1 order by position`,
        [scan.id],
      );
      expect(steps.rows).toEqual([
        { name: 'os', status: 'SUCCEEDED' },
        { name: 'disk', status: 'SKIPPED' },
        { name: 'memory', status: 'SKIPPED' },
      ]);
      // Nothing is left for a worker to run again.
      expect(
        await claimScan(otherPool, {
          workerId: 'worker-b',
          hostname: 'irrelevant',
          leaseMs: LEASE_MS,
        }),
      ).toBeNull();
    },
  );

  it('still refuses to cancel a scan that was already finished', async () => {
    const scan = await runningScan();
    await db.pool.query(
      `update scans set lease_expires_at = now() - interval '1 second' where id = $1`,
      [scan.id],
    );
    await scans.cancel(scan.id);
    await reapExpiredLeases(otherPool);
    expect((await scanRow(db.pool, scan.id)).status).toBe('CANCELLED');
    await expect(scans.cancel(scan.id)).rejects.toMatchObject({
      extensions: { code: 'INVALID_STATE' },
    });
  });

  it('never refuses or loses a cancel racing claims, re-queues and reaps (200 scans)', async () => {
    // No lock tricks: cancel, a claiming worker and a reaper on their own
    // connections, started together with a little jitter. Even scans start
    // PENDING (cancel races a claim); odd scans start RUNNING with an expired
    // lease (cancel races the reaper's re-queue followed by a fresh claim).
    const failures: string[] = [];
    const jitter = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
    for (let i = 0; i < 200; i++) {
      let scan: ScanRow;
      let mover: () => Promise<unknown>;
      if (i % 2 === 0) {
        scan = await insertScan(db.pool, { maxAttempts: MAX_ATTEMPTS });
        mover = () =>
          claimScan(workerPool, {
            workerId: 'worker-b',
            hostname: 'irrelevant',
            leaseMs: LEASE_MS,
          });
      } else {
        scan = await runningScan();
        await db.pool.query(
          `update scans set lease_expires_at = now() - interval '1 second' where id = $1`,
          [scan.id],
        );
        mover = async () => {
          await reapExpiredLeases(otherPool);
          await claimScan(workerPool, {
            workerId: 'worker-b',
            hostname: 'irrelevant',
            leaseMs: LEASE_MS,
          });
        };
      }
      const [cancelled] = await Promise.all([
        settle(jitter().then(() => scans.cancel(scan.id))),
        jitter().then(mover),
      ]);
      const row = await scanRow(db.pool, scan.id);
      const answer: Scan | null = cancelled.ok ? cancelled.value : null;
      if (!cancelled.ok) {
        failures.push(`#${i}: cancel threw ${describeError(cancelled.error)} (now ${row.status})`);
      } else if (answer!.status !== 'CANCELLED' && answer!.cancelRequestedAt === null) {
        failures.push(`#${i}: cancel answered ${answer!.status} with no cancel requested`);
      } else if (!cancelLanded(row)) {
        failures.push(`#${i}: scan left ${row.status}, cancel_requested_at null`);
      }
      // Each scan gets a queue of its own.
      await db.pool.query(`delete from hosts where id = $1`, [scan.host_id]);
    }
    expect({ failed: failures.length, first: failures.slice(0, 5) }).toEqual({
      failed: 0,
      first: [],
    });
  });
});

describe('first-contact host-key pin (tofu) by two scans at once', () => {
  const once: DbRetry = (fn) => fn();

  /** A connected transport as connectSsh hands it back, presenting `fingerprint`. */
  function fakeTransport(fingerprint: string): HostTransport & { closed: number } {
    return {
      hostKeyFingerprint: fingerprint,
      closed: 0,
      exec: () => Promise.reject(new Error('not used')),
      stream: () => Promise.reject(new Error('not used')),
      async close() {
        this.closed++;
      },
    };
  }

  /** A new host as both scans read it before connecting: nothing pinned. */
  async function newHost(): Promise<HostRow> {
    const { id } = (
      await db.pool.query<{ id: string }>(sql.UPSERT_HOST, [`pin-${randomUUID()}.test`, 22])
    ).rows[0]!;
    const host = (await db.pool.query<HostRow>(sql.HOST_BY_ID, [id])).rows[0]!;
    expect(host.host_key_fingerprint).toBeNull();
    return host;
  }

  async function pinned(hostId: string): Promise<string | null> {
    return (await db.pool.query<HostRow>(sql.HOST_BY_ID, [hostId])).rows[0]!.host_key_fingerprint;
  }

  it('pins exactly one of two different keys; the other scan fails HOST_KEY_MISMATCH (100 hosts)', async () => {
    const failures: string[] = [];
    for (let i = 0; i < 100; i++) {
      const host = await newHost();
      const a = fakeTransport(`SHA256:key-a-${i}`);
      const b = fakeTransport(`SHA256:key-b-${i}`);
      // Two workers, each on its own connections, pinning at the same time.
      const [ra, rb] = await Promise.all([
        settle(pinOnFirstContact(workerPool, once, { ...host }, a)),
        settle(pinOnFirstContact(otherPool, once, { ...host }, b)),
      ]);
      const stored = await pinned(host.id);
      const winners = [ra, rb].filter((r) => r.ok).length;
      if (winners !== 1) {
        failures.push(`#${i}: ${winners} scans went on (pinned ${stored})`);
        continue;
      }
      const [win, winT, lose, loseT] = ra.ok ? [ra, a, rb, b] : [rb, b, ra, a];
      const err = lose.ok ? null : lose.error;
      if (!(err instanceof ScanError) || err.code !== ScanErrorCode.HOST_KEY_MISMATCH) {
        failures.push(`#${i}: the losing scan failed with ${describeError(err)}`);
      } else if (stored !== winT.hostKeyFingerprint) {
        failures.push(`#${i}: pinned ${stored}, winner presented ${winT.hostKeyFingerprint}`);
      } else if (win.ok && win.value !== winT) {
        failures.push(`#${i}: the winner got another transport back`);
      } else if (winT.closed !== 0 || loseT.closed !== 1) {
        failures.push(`#${i}: closed winner ${winT.closed}x, loser ${loseT.closed}x`);
      }
    }
    expect({ failed: failures.length, first: failures.slice(0, 5) }).toEqual({
      failed: 0,
      first: [],
    });
  });

  it('lets both scans go on when they present the same key (50 hosts)', async () => {
    for (let i = 0; i < 50; i++) {
      const host = await newHost();
      const fingerprint = `SHA256:same-${i}`;
      const a = fakeTransport(fingerprint);
      const b = fakeTransport(fingerprint);
      const [ra, rb] = await Promise.all([
        settle(pinOnFirstContact(workerPool, once, { ...host }, a)),
        settle(pinOnFirstContact(otherPool, once, { ...host }, b)),
      ]);
      expect(ra).toEqual({ ok: true, value: a });
      expect(rb).toEqual({ ok: true, value: b });
      expect([a.closed, b.closed]).toEqual([0, 0]);
      expect(await pinned(host.id)).toBe(fingerprint);
    }
  });

  it('refuses a key that differs from one pinned after the scan read the host (trustHostKey, another scan)', async () => {
    // The deterministic core of the race: the host row this scan read said
    // "nothing pinned", but by the time it pins, a key is.
    const host = await newHost();
    await db.pool.query(sql.PIN_HOST_KEY, [host.id, 'SHA256:trusted']);
    const t = fakeTransport('SHA256:presented');
    const err = await pinOnFirstContact(workerPool, once, host, t).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScanError);
    expect((err as ScanError).code).toBe(ScanErrorCode.HOST_KEY_MISMATCH);
    expect(t.closed).toBe(1);
    expect(await pinned(host.id)).toBe('SHA256:trusted');

    // The same key as the one pinned meanwhile is fine.
    const same = fakeTransport('SHA256:trusted');
    await expect(pinOnFirstContact(workerPool, once, host, same)).resolves.toBe(same);
    expect(same.closed).toBe(0);
  });
});
