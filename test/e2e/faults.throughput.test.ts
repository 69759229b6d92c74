/**
 * Three worker processes drain 500 QUICK scans of real SSH hosts from one
 * queue: every scan runs exactly once, with no deadlock and no lost lease.
 * The 500 hosts are 500 loopback ports that forward to one sshd (a host is
 * hostname + port, and one host has at most one active QUICK scan).
 */
import os from 'node:os';

import { FAULTS_STACK, insertSshScan } from '../support/faults';
import { waitFor } from '../support/fixtures';
import { type PortFanIn, startPortFanIn } from '../support/port-fan-in';
import { logLines, type RunningService } from '../support/service';
import { type Stack, startStack } from '../support/stack';

const SCANS = 500;
const WORKERS = 3;
const CONCURRENCY = 4;

jest.setTimeout(240_000);

let cluster: Stack;
let fanIn: PortFanIn | undefined;

beforeAll(async () => {
  cluster = await startStack(FAULTS_STACK);
  fanIn = await startPortFanIn(cluster.sshd.port, SCANS);
});

afterAll(async () => {
  await cluster?.killAll();
  await fanIn?.close();
  await cluster?.stop();
});

it(`runs ${SCANS} QUICK scans on ${WORKERS} worker processes exactly once each, without deadlocks`, async () => {
  const workers: RunningService[] = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      // Leases long enough that a busy machine's stall cannot expire one:
      // this test is about exactly-once under contention (faults.workers
      // covers short leases and takeover).
      cluster.startWorker(`faults-tp${i + 1}`, {
        WORKER_CONCURRENCY: String(CONCURRENCY),
        LEASE_MS: '15000',
        HEARTBEAT_MS: '3000',
      }),
    ),
  );
  const pool = cluster.db.pool;

  // All scans become visible at once, in one transaction.
  const client = await pool.connect();
  let startedAt: number;
  try {
    await client.query('begin');
    for (const port of fanIn!.ports) {
      await insertSshScan(client, { port, username: cluster.sshd.username });
    }
    await client.query('commit');
    startedAt = Date.now();
  } finally {
    client.release();
  }

  const endedAt = await waitFor(
    'every scan to end',
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from scans where status in ('PENDING','RUNNING')`,
      );
      return rows[0]!.n === 0 ? Date.now() : undefined;
    },
    200_000,
    200,
  );
  const seconds = (endedAt - startedAt) / 1000;
  const perWorker = (
    await pool.query<{ worker_id: string; n: number }>(
      `select worker_id, count(*)::int as n from scans group by worker_id order by worker_id`,
    )
  ).rows;
  const cpus = os.cpus();
  process.stdout.write(
    `[faults] throughput: ${SCANS} QUICK scans over SSH by ${WORKERS} workers x concurrency ${CONCURRENCY} ` +
      `in ${seconds.toFixed(1)} s = ${(SCANS / seconds).toFixed(1)} scans/s ` +
      `(${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}; sshd, PostgreSQL, the port forwarder and the test share them); ` +
      `per worker: ${perWorker.map((w) => `${w.worker_id}=${w.n}`).join(', ')}\n`,
  );

  const statuses = (
    await pool.query<{ status: string; attempt: number; n: number }>(
      `select status, attempt, count(*)::int as n from scans group by status, attempt`,
    )
  ).rows;
  expect(statuses).toEqual([{ status: 'COMPLETED', attempt: 1, n: SCANS }]);

  // Per scan: one claim, one terminal event, five steps started and done once.
  const perScan = (
    await pool.query<{
      claims: number;
      terminals: number;
      starts: number;
      dones: number;
      n: number;
    }>(
      `select claims, terminals, starts, dones, count(*)::int as n from (
         select scan_id,
           count(*) filter (where message like 'claimed by %')::int as claims,
           count(*) filter (where status in ('COMPLETED','PARTIAL','FAILED','CANCELLED'))::int as terminals,
           count(*) filter (where message like 'step % started')::int as starts,
           count(*) filter (where message like 'step % done')::int as dones
         from scan_events group by scan_id) x
       group by claims, terminals, starts, dones`,
    )
  ).rows;
  expect(perScan).toEqual([{ claims: 1, terminals: 1, starts: 5, dones: 5, n: SCANS }]);
  const duplicateSeqs = await pool.query(
    `select scan_id, seq from scan_events group by scan_id, seq having count(*) > 1`,
  );
  expect(duplicateSeqs.rows).toEqual([]);
  const steps = await pool.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from scan_steps group by status`,
  );
  expect(steps.rows).toEqual([{ status: 'SUCCEEDED', n: SCANS * 5 }]);
  // Every worker took part.
  expect(perWorker.map((w) => w.worker_id)).toEqual(workers.map((_, i) => `faults-tp${i + 1}`));

  for (const w of workers) {
    expect(w.logs()).not.toMatch(/deadlock/i);
    const bad = logLines(w).filter(
      (l) =>
        l.level >= 50 ||
        ['scan abandoned', 'lease lost; aborting the scan', 'reaped an expired lease'].includes(
          l.msg,
        ),
    );
    expect(bad).toEqual([]);
  }
});
