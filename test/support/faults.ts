/**
 * What the fault-injection tests (test/e2e/faults.*.test.ts) share: a stack
 * with a real sshd whose delayed-df login makes the disk step take a few
 * seconds, short leases, and SSH scans inserted straight into the queue.
 */
import type { ScanRow } from '../../src/queue/rows';
import { insertScan, type Queryable } from './fixtures';
import { type Stack, type StackOptions } from './stack';

/** Short lease settings shared by every worker the fault tests start. */
export const LEASE = {
  LEASE_MS: 3000,
  HEARTBEAT_MS: 1000,
  REAPER_INTERVAL_MS: 500,
  POLL_INTERVAL_MS: 500,
} as const;

/** The fault tests' stack: the delayed-df login, no processes yet, LEASE. */
export const FAULTS_STACK: StackOptions = {
  users: ['df-delay'],
  sshd: { logLevel: 'INFO' },
  env: Object.fromEntries(Object.entries(LEASE).map(([k, v]) => [k, String(v)])),
};

/** Inserts a PENDING QUICK SSH scan of 127.0.0.1:`port` as `username`. */
export async function insertSshScan(
  db: Queryable,
  target: { port: number; username: string },
): Promise<ScanRow> {
  return insertScan(db, {
    hostname: '127.0.0.1',
    port: target.port,
    username: target.username,
    timeoutSeconds: 120,
    requestedBy: 'faults-test',
  });
}

/** True (and says so) when the delayed-df login is missing: the test cannot run. */
export function skipWithoutDelayedUser(stack: Stack): boolean {
  if (!stack.haveSpecialUsers)
    process.stdout.write('[faults] skipped: the delayed-df login needs root\n');
  return !stack.haveSpecialUsers;
}
