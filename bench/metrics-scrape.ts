/**
 * `npm run bench:metrics`: what the scans gauges cost a scrape as the scans
 * table grows. For each size it fills a scratch database with finished scans
 * (and a few pending ones), then times the ScanStatsReader's read (a
 * read-only transaction: the group by over every row, the pending count per
 * pool) beside two anchors measured in the same run on the same connection
 * pool: `select 1` (a round trip) and a scan looked up by id (SCAN_BY_ID),
 * the cheapest real read the API makes.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:metrics
 *   BENCH_METRICS_ROWS=10000,100000 npm run bench:metrics
 *
 * The scratch database is created next to DATABASE_URL's (default: the
 * local PostgreSQL on 127.0.0.1:5432) and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { migrate, openOrm } from '../src/db/orm';
import { ScanStatsReader } from '../src/metrics';
import { SCAN_BY_ID } from '../src/queue/sql';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_METRICS_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_METRICS_RUNS ?? 15);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm: plan cache, buffers
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** Grows `scans` to `total` rows: 500 hosts, every type and finished status, 50 pending. */
async function fillTo(pool: pg.Pool, total: number): Promise<void> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from scans');
  const add = total - rows[0]!.n;
  if (add <= 0) return;
  await pool.query(`insert into hosts (id, hostname, port)
    select gen_random_uuid(), 'bench-' || i || '.test', 22 from generate_series(1, 500) i
    on conflict do nothing`);
  await pool.query(
    `insert into scans (id, host_id, type, status, transport, timeout_seconds, requested_by,
       attempt, last_seq, created_at, started_at, completed_at)
     select gen_random_uuid(), h.id, (array['QUICK','FULL','PATCHES'])[1 + i % 3],
       (array['COMPLETED','COMPLETED','COMPLETED','PARTIAL','FAILED','CANCELLED'])[1 + i % 6],
       'SSH', 600, 'bench', 1, 3, now() - i * interval '1 second',
       now() - i * interval '1 second', now() - i * interval '1 second' + interval '2 seconds'
     from generate_series(1, $1::int) i
     join lateral (select id from hosts where hostname = 'bench-' || (1 + i % 500) || '.test') h on true`,
    [add],
  );
  // A few queued scans: one active scan per host and type.
  await pool.query(`insert into scans (id, host_id, type, status, transport, timeout_seconds, requested_by)
    select gen_random_uuid(), id, 'QUICK', 'PENDING', 'SSH', 600, 'bench' from hosts
    where not exists (select 1 from scans s where s.host_id = hosts.id and s.status = 'PENDING')
    limit 50`);
  await pool.query('vacuum analyze scans');
}

async function main(): Promise<void> {
  const name = `hostscan_bench_metrics_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  try {
    const orm = await openOrm({ url: url.toString() });
    await migrate(orm, url.toString());
    await orm.close();
    const reader = new ScanStatsReader({ pgPool: pool, timeoutMs: 30_000, reuseMs: 0 });
    const cpus = (await import('node:os')).cpus().length;
    console.log(
      `metrics scrape cost, ${new Date().toISOString()}, ${cpus} CPUs, PostgreSQL at ${url.host}; ` +
        'medians of ' +
        RUNS +
        ' runs (other jobs may share this machine: compare ratios)',
    );
    console.log('| scans rows | scans gauges read | select 1 | scan by id | read / scan by id |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const size of SIZES) {
      await fillTo(pool, size);
      const anyId = (await pool.query<{ id: string }>('select id from scans limit 1')).rows[0]!.id;
      const read = await timed(RUNS, () => reader.read());
      const one = await timed(RUNS, () => pool.query('select 1'));
      const byId = await timed(RUNS, () => pool.query(SCAN_BY_ID, [anyId]));
      console.log(
        `| ${size.toLocaleString('en')} | ${read.toFixed(2)} ms | ${one.toFixed(2)} ms | ` +
          `${byId.toFixed(2)} ms | ${(read / byId).toFixed(0)}× |`,
      );
    }
  } finally {
    await pool.end();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
