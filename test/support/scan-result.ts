/**
 * One scan run end to end and read back whole, for tests that assert the
 * values a scan stored: start it through the API, follow its progress stream
 * to the end, then read `scan { status steps result }`.
 */
import { readFileSync, statfsSync } from 'node:fs';

import { gqlOk } from './graphql';
import { ADMIN_TOKEN, type Stack } from './stack';

/**
 * The Disk fields every host-state test reads. The product decides how an
 * oversized or unreachable filesystem is reported (see oversizedRow and
 * unreachableRow): a field added for that goes here and there, nowhere else.
 */
export const DISK_FIELDS = 'mount filesystem sizeBytes usedBytes availableBytes usePercent error';

const SCAN = `query Scan($id: ID!) {
  scan(id: $id) {
    id status
    error { code message }
    steps { name status durationMs error { code message } }
    result {
      os { id name version versionId prettyName kernel arch }
      hostname uptimeSeconds
      disks { ${DISK_FIELDS} }
      memory { totalBytes swapTotalBytes availableBytes }
      packages { manager count items { name version arch state } }
      processes { pid user command rssBytes }
      interfaces { name mac mtu addresses { address family prefixLength } }
      updates { name currentVersion availableVersion arch source security severity advisoryIds }
      rebootRequired rebootReasons packageListsAge
    }
  }
}`;

export interface DiskRow {
  mount: string;
  filesystem: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  usePercent: number | null;
  /** Why the filesystem gave no sizes (it did not answer statfs in time); null when it did. */
  error: string | null;
}

/** One pending update as the API serves it (PATCHES). */
export interface UpdateRow {
  name: string;
  currentVersion: string | null;
  availableVersion: string;
  arch: string | null;
  source: string | null;
  security: boolean;
  severity: string | null;
  advisoryIds: string[];
}

export interface ScanStepRow {
  name: string;
  status: string;
  durationMs: number | null;
  error: { code: string; message: string } | null;
}

export interface ScanRow {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  steps: ScanStepRow[];
  result: {
    os: Record<string, string | null> | null;
    hostname: string | null;
    uptimeSeconds: number | null;
    disks: DiskRow[] | null;
    memory: { totalBytes: number; swapTotalBytes: number; availableBytes: number } | null;
    packages: {
      manager: string;
      count: number;
      items: Array<{ name: string; version: string; arch: string | null; state: string | null }>;
    } | null;
    processes: Array<{ pid: number; user: string; command: string; rssBytes: number }> | null;
    interfaces: Array<{ name: string; mac: string | null; mtu: number | null }> | null;
    updates: UpdateRow[] | null;
    rebootRequired: boolean | null;
    rebootReasons: string[] | null;
    packageListsAge: number | null;
  } | null;
}

/** Runs one scan to its end on `stack` and returns it as stored. */
export async function runScan(
  stack: Stack,
  target: Record<string, unknown>,
  type: 'QUICK' | 'FULL' | 'PATCHES',
  timeoutMs = 90_000,
  extra: Record<string, unknown> = {},
): Promise<ScanRow> {
  const id = await stack.startScan({ target, type, ...extra });
  await stack.follow(id, timeoutMs);
  const data = await gqlOk<{ scan: ScanRow }>(stack.service.httpUrl, ADMIN_TOKEN, SCAN, { id });
  return data.scan;
}

/** `[name, status, error code]` per step: one readable line in a failure message. */
export function stepSummary(scan: ScanRow): Array<[string, string, string | null]> {
  return scan.steps.map((s) => [s.name, s.status, s.error?.code ?? null]);
}

/** What a scan of a healthy host says for each step: all SUCCEEDED, no error. */
export function allSucceeded(scan: ScanRow): Array<[string, string, null]> {
  return scan.steps.map((s) => [s.name, 'SUCCEEDED', null]);
}

/** The scan's row for `mount`, if any. */
export function diskRow(scan: ScanRow, mount: string): DiskRow | undefined {
  return scan.result?.disks?.find((d) => d.mount === mount);
}

/** Size of the filesystem at `mount` as statfs(2) gives it here: what df -k times 1024 says. */
export function statfsSizeBytes(mount: string): number {
  const st = statfsSync(mount);
  return st.blocks * st.bsize;
}

/** MemTotal of /proc/meminfo, in bytes. */
export function memTotalBytes(): number {
  const kib = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  if (!kib) throw new Error('no MemTotal in /proc/meminfo');
  return Number(kib) * 1024;
}

/** Seconds since boot, from /proc/uptime. */
export function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/**
 * The row reporting a filesystem whose size is beyond 2^53 bytes: a row of
 * its own (the others listed with it), the counts past 2^53 null, the rest
 * exact (see the disk probe).
 */
export function oversizedRow(scan: ScanRow, mount: string): DiskRow | undefined {
  return diskRow(scan, mount);
}

/**
 * The row reporting the filesystem at `mount` as unreachable (its statfs
 * never returned): sizes null, `error` saying why.
 */
export function unreachableRow(scan: ScanRow, mount: string): DiskRow | undefined {
  return diskRow(scan, mount);
}
