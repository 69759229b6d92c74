/**
 * `npm run bench`: figures for the whole path (GraphQL → queue → worker →
 * SSH → probes → events → graphql-ws) on this machine, printed as a table.
 * Uses DATABASE_URL, or an embedded PostgreSQL in a temp dir; a private
 * OpenSSH sshd on loopback; the compiled service (built by `prebench`).
 *
 *   BENCH_SCANS=200 BENCH_CONCURRENCY=8 npm run bench  # default: the service's own WORKER_CONCURRENCY
 *   BENCH_ONLY=fanout npm run bench     # only the fan-out rows (bench/fanout.ts)
 *   BENCH_ONLY=fleet npm run bench      # only the fleet and dispatch rows (bench/fleet.ts)
 *   BENCH_ONLY=scans npm run bench      # every row but the fan-out ones
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { VARIABLES } from '../src/config/variables';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { createLogger } from '../src/logger';
import { connectSsh } from '../src/transport';
import { followScan, gqlOk, wsClient } from '../test/support/graphql';
import { startPortFanIn } from '../test/support/port-fan-in';
import { startService } from '../test/support/service';
import { startSshd } from '../test/support/sshd';
import { ansibleSetup } from './ansible';
import { cpuProfileEnv } from './cpu-profile-env';
import { delayedLinkRows } from './delayed-link';
import { fanoutRows } from './fanout';
import { raiseFdLimit } from './fd-limit';
import { fleetRows } from './fleet';
import { parentPid } from './proc-cpu';

const TOKEN = 'bench-admin-token-0123456789abcdef';
const SCANS = Number(process.env.BENCH_SCANS ?? 200);
/** BENCH_CONCURRENCY, else the service's default WORKER_CONCURRENCY. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? VARIABLES.WORKER_CONCURRENCY.default);
const CONCURRENCY_LABEL = process.env.BENCH_CONCURRENCY ?? `default ${CONCURRENCY}`;
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 20);
const EXEC_RUNS = Number(process.env.BENCH_EXEC_RUNS ?? 200);
const ONLY = process.env.BENCH_ONLY;

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

/** DATABASE_URL's postmaster when that server runs on this machine (its CPU is then measured), else null. */
async function localPostmasterPid(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return parentPid(rows[0]!.pid);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  raiseFdLimit();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-bench-'));
  chmodSync(tmp, 0o755);
  const log = createLogger('warn');
  const embedded = process.env.DATABASE_URL
    ? null
    : await startEmbeddedDatabase(path.join(tmp, 'db'), log);
  const url = process.env.DATABASE_URL ?? embedded!.url;
  const sshd = await startSshd();
  const key = path.join(tmp, 'key');
  writeFileSync(key, sshd.privateKey, { mode: 0o600 });
  const fan = await startPortFanIn(sshd.port, SCANS);
  const service = await startService({
    env: {
      DATABASE_URL: url,
      ADMIN_TOKEN: TOKEN,
      SSH_PRIVATE_KEY_PATH: key,
      ...(process.env.BENCH_CONCURRENCY
        ? { WORKER_CONCURRENCY: process.env.BENCH_CONCURRENCY }
        : {}),
      START_SCAN_BURST: '100000',
      // info: the harness waits for the "API listening" line.
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(tmp, 'data'),
      ...cpuProfileEnv(),
    },
  });
  const ws = wsClient(service.wsUrl, TOKEN);
  const rows: Array<[string, string]> = [];
  try {
    if (ONLY === undefined || ONLY === 'scans') {
      const start = async (port: number) =>
        (
          await gqlOk<{ startScan: { scan: { id: string } } }>(
            service.httpUrl,
            TOKEN,
            `mutation($p: Int!, $u: String!) { startScan(input: { target: { hostname: "127.0.0.1", port: $p, username: $u }, type: QUICK }) { scan { id } } }`,
            { p: port, u: sshd.username },
          )
        ).startScan.scan.id;

      // 0. The SSH transport alone: connect, then sequential commands on one
      // connection, with TCP_NODELAY (as scans run) and without (to show why).
      const connects: number[] = [];
      const execs = { on: [] as number[], off: [] as number[] };
      for (let i = 0; i < 6; i++) {
        const noDelay = i !== 1;
        const t = performance.now();
        const transport = await connectSsh({
          host: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          privateKey: sshd.privateKey,
          hostKeyPolicy: 'tofu',
          tcpNoDelay: noDelay,
        });
        if (noDelay) connects.push(performance.now() - t);
        try {
          if (i < 2) {
            for (let j = 0; j < EXEC_RUNS; j++) {
              const e = performance.now();
              await transport.exec('true', { timeoutMs: 10_000, maxBytes: 1024 });
              execs[noDelay ? 'on' : 'off'].push(performance.now() - e);
            }
          }
        } finally {
          await transport.close();
        }
      }
      const ms1 = (v: number) => `${v.toFixed(1)} ms`;
      rows.push([
        'SSH connect + handshake + public-key auth (5 runs)',
        `p50 ${ms1(pct(connects, 50))}, max ${ms1(Math.max(...connects))}`,
      ]);
      for (const [mode, values] of [
        ['TCP_NODELAY', execs.on],
        ['Nagle on, for comparison', execs.off],
      ] as const) {
        rows.push([
          `SSH exec of \`true\` on one connection (${EXEC_RUNS} sequential, ${mode})`,
          `p50 ${ms1(pct(values, 50))}, p95 ${ms1(pct(values, 95))}`,
        ]);
      }

      // 1. One scan at a time: startScan → first RUNNING event → COMPLETED event.
      const total: number[] = [];
      const firstRunning: number[] = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        const t0 = performance.now();
        const id = await start(sshd.port);
        let running = 0;
        await new Promise<void>((resolve, reject) => {
          ws.subscribe<{ scanProgress: { status: string } }>(
            {
              query: `subscription($id: ID!) { scanProgress(id: $id) { status } }`,
              variables: { id },
            },
            {
              next: (v) => {
                if (!running && v.data?.scanProgress.status === 'RUNNING')
                  running = performance.now() - t0;
              },
              error: reject,
              complete: resolve,
            },
          );
        });
        total.push(performance.now() - t0);
        firstRunning.push(running);
      }
      rows.push([
        `QUICK scan over SSH, startScan → COMPLETED event (${LATENCY_RUNS} sequential)`,
        `p50 ${fmt(pct(total, 50))}, p95 ${fmt(pct(total, 95))}, min ${fmt(Math.min(...total))}`,
      ]);
      rows.push([
        'startScan → first RUNNING event (claim latency)',
        `p50 ${fmt(pct(firstRunning, 50))}, p95 ${fmt(pct(firstRunning, 95))}`,
      ]);

      // 2. Throughput: SCANS distinct hosts (ports fanned in to one sshd), one worker process.
      const t1 = performance.now();
      const ids = await Promise.all(fan.ports.map((p) => start(p)));
      const queued = performance.now() - t1;
      // A socket may hold 100 operations: spread the followers over several.
      const followers = Array.from({ length: Math.ceil(ids.length / 50) }, () =>
        wsClient(service.wsUrl, TOKEN),
      );
      const done = await Promise.all(
        ids.map(
          (id, i) =>
            followScan(followers[Math.floor(i / 50)]!, id, { fields: 'status', timeoutMs: 600_000 })
              .done,
        ),
      );
      await Promise.all(followers.map((f) => f.dispose()));
      const elapsed = performance.now() - t1;
      const completed = done.filter((e) => e[e.length - 1]?.status === 'COMPLETED').length;
      rows.push([
        `${SCANS} QUICK scans queued by startScan`,
        `${fmt(queued)} (${((SCANS / queued) * 1000).toFixed(0)} startScan/s)`,
      ]);
      rows.push([
        `${SCANS} QUICK scans, 1 worker, WORKER_CONCURRENCY=${CONCURRENCY_LABEL}`,
        `${completed}/${SCANS} COMPLETED in ${(elapsed / 1000).toFixed(1)} s = ${((completed / elapsed) * 1000).toFixed(1)} scans/s`,
      ]);

      // 3. A slow link: one round trip per probe would show here.
      rows.push(
        ...(await delayedLinkRows({
          httpUrl: service.httpUrl,
          ws,
          token: TOKEN,
          sshd,
          keyPath: key,
        })),
      );

      // 4. Independent fact gatherer, for scale.
      if (existsSync('/usr/bin/ansible')) {
        const ms = await ansibleSetup(sshd.username, key, sshd.port);
        rows.push(['ansible -m setup against the same sshd (one host)', fmt(ms)]);
      }
    }
    if (ONLY === undefined || ONLY === 'scans' || ONLY === 'fleet') {
      const pidFile = embedded ? path.join(tmp, 'db', 'pg', 'postmaster.pid') : null;
      const postgresPid = pidFile
        ? Number(readFileSync(pidFile, 'utf8').split('\n')[0])
        : await localPostmasterPid(url);
      rows.push(
        ...(await fleetRows(
          {
            service,
            token: TOKEN,
            sshd,
            keyPath: key,
            databaseUrl: url,
            postgresPid,
            concurrencyLabel: CONCURRENCY_LABEL,
          },
          CONCURRENCY,
        )),
      );
    }
    if (ONLY === undefined || ONLY === 'fanout') {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      try {
        rows.push(...(await fanoutRows(service, TOKEN, pool)));
      } finally {
        await pool.end();
      }
    }
  } finally {
    await ws.dispose();
    await service.stop();
    await fan.close();
    await sshd.stop();
    await embedded?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  const cpu = os.cpus();
  // The ssh2-based stand-in (no openssh-server installed) is far slower
  // than OpenSSH: a figure must say which one it was measured against.
  const sshdKind = sshd.kind === 'openssh' ? 'OpenSSH sshd' : 'the ssh2-based stand-in sshd';
  process.stdout.write(
    `\nhostscan bench — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `Node ${process.version}, ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}, ${sshdKind} on loopback\n\n`,
  );
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  process.stdout.write('\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
