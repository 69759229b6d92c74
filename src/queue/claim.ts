import { performance } from 'node:perf_hooks';

import type pg from 'pg';

import { DEFAULT_POOL } from '../domain/states';
import type { Logger } from '../logger';
import { Lease } from './lease';
import type { ScanRow } from './rows';
import * as sql from './sql';

export interface ClaimOptions {
  /** Written on the row as its owner; every later write is fenced by it. */
  workerId: string;
  /** This machine's name: LOCAL scans are claimed only by a worker on their host. */
  hostname: string;
  /** How long the lease lasts without a heartbeat. */
  leaseMs: number;
  /**
   * The worker pools to claim from.
   * @default [DEFAULT_POOL]
   */
  pools?: readonly string[];
  /** Handed to the Lease: told when a database operation has to be retried. */
  log?: Logger;
}

/**
 * Claims up to `limit` runnable scans of `pools` for this worker in one
 * statement (highest priority, then oldest); an empty array when there is
 * none. `limit` is at least 1.
 */
export async function claimScans(
  pgPool: pg.Pool,
  options: ClaimOptions,
  limit: number,
): Promise<Lease[]> {
  const { workerId, hostname, leaseMs, pools = [DEFAULT_POOL], log } = options;
  const sentAt = performance.now();
  const res = await pgPool.query<ClaimedRow>(sql.CLAIM_SCANS, [
    workerId,
    leaseMs,
    hostname,
    pools,
    Math.max(1, Math.floor(limit)),
  ]);
  // The statement's row order is not the queue's: hand them out best first.
  const rows = res.rows.sort(
    (a, b) => b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime(),
  );
  return rows.map((row) => {
    const { host_hostname, host_port, host_key_fingerprint, ...scan } = row;
    const host = {
      id: scan.host_id,
      hostname: host_hostname,
      port: host_port,
      host_key_fingerprint,
    };
    return new Lease(pgPool, scan, workerId, leaseMs, sentAt, log, host);
  });
}

/** A row of CLAIM_SCANS: the scan and its host as the claim read them. */
interface ClaimedRow extends ScanRow {
  host_hostname: string;
  host_port: number;
  host_key_fingerprint: string | null;
}

/** Claims one runnable scan of `pools` for this worker, or null when there is none. */
export async function claimScan(pgPool: pg.Pool, options: ClaimOptions): Promise<Lease | null> {
  return (await claimScans(pgPool, options, 1))[0] ?? null;
}
