/**
 * Scans over a slow link: the bench's sshd behind a proxy that adds
 * BENCH_RTT_MS of round-trip time (startDelayProxy), QUICK and FULL, beside
 * the same scans on loopback and `ansible -m setup` through the same proxy.
 * Round trips are (time over the link − time on loopback) / RTT: what the
 * link cost, counted in round trips.
 */
import { existsSync } from 'node:fs';

import type { Client } from 'graphql-ws';

import { startDelayProxy } from '../test/support/delay-proxy';
import { followScan, gqlOk } from '../test/support/graphql';
import type { TestSshd } from '../test/support/sshd';
import { ansibleSetup } from './ansible';

export interface DelayedLinkContext {
  readonly httpUrl: string;
  readonly ws: Client;
  readonly token: string;
  readonly sshd: TestSshd;
  /** The client key file, for Ansible. */
  readonly keyPath: string;
}

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 50);
const RUNS = Number(process.env.BENCH_LINK_RUNS ?? 5);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** startScan → terminal event, in ms, for one scan of `type` on `port`. */
async function scanOnce(ctx: DelayedLinkContext, port: number, type: string): Promise<number> {
  const t0 = performance.now();
  const { startScan } = await gqlOk<{ startScan: { scan: { id: string } } }>(
    ctx.httpUrl,
    ctx.token,
    `mutation($p: Int!, $u: String!, $t: ScanType!) { startScan(input: { target: { hostname: "127.0.0.1", port: $p, username: $u }, type: $t }) { scan { id } } }`,
    { p: port, u: ctx.sshd.username, t: type },
  );
  const events = await followScan(ctx.ws, startScan.scan.id, { fields: 'status' }).done;
  const status = events[events.length - 1]?.status;
  if (status !== 'COMPLETED') throw new Error(`bench scan ended ${status}`);
  return performance.now() - t0;
}

async function medianScan(ctx: DelayedLinkContext, port: number, type: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await scanOnce(ctx, port, type));
  return median(times);
}

/** The bench rows of this section. */
export async function delayedLinkRows(ctx: DelayedLinkContext): Promise<Array<[string, string]>> {
  const proxy = await startDelayProxy(ctx.sshd.port, RTT_MS / 2);
  const rows: Array<[string, string]> = [];
  try {
    const link = `${RTT_MS} ms RTT proxy`;
    const times: Record<string, number> = {};
    for (const type of ['QUICK', 'FULL']) {
      const loopback = await medianScan(ctx, ctx.sshd.port, type);
      const slow = await medianScan(ctx, proxy.port, type);
      times[type] = slow;
      rows.push([
        `${type} scan over a ${link}, startScan → COMPLETED (median of ${RUNS})`,
        `${slow.toFixed(0)} ms; loopback ${loopback.toFixed(0)} ms; ≈ ${((slow - loopback) / RTT_MS).toFixed(1)} round trips`,
      ]);
    }
    if (existsSync('/usr/bin/ansible')) {
      const runs: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 3); i++)
        runs.push(await ansibleSetup(ctx.sshd.username, ctx.keyPath, proxy.port));
      const ansible = median(runs);
      rows.push([
        `ansible -m setup over the same ${link} (median of ${runs.length})`,
        `${ansible.toFixed(0)} ms = ${(ansible / times.QUICK!).toFixed(1)}× QUICK, ${(ansible / times.FULL!).toFixed(1)}× FULL`,
      ]);
    }
  } finally {
    await proxy.close();
  }
  return rows;
}
