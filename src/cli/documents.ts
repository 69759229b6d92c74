/** The GraphQL operations the CLI sends, and the shapes of their answers. */

export const START_SCAN = `mutation StartScan($input: StartScanInput!) {
  startScan(input: $input) { scan { id status type host { hostname port } } }
}`;

/** The batch mutation (where the server has it); per target a scan or an error. */
export const START_SCANS = `mutation StartScans($input: StartScansInput!) {
  startScans(input: $input) { results { index scan { id status } error { code message scanId } } }
}`;

export const CANCEL_SCAN = `mutation CancelScan($id: ID!) {
  cancelScan(id: $id) { id status cancelRequestedAt host { hostname port } }
}`;

export const SCAN = `query Scan($id: ID!) {
  scan(id: $id) {
    id type status progress durationMs requestedBy workerId
    error { code message }
    host { hostname port }
    steps { name status durationMs error { code message } }
    result {
      os { prettyName name version kernel arch }
      hostname uptimeSeconds
      memory { totalBytes usedBytes availableBytes swapTotalBytes swapUsedBytes }
      disks { mount filesystem sizeBytes usedBytes usePercent }
      packages { manager count }
      updates { name security }
      rebootRequired
    }
  }
}`;

export const HISTORY = `query History($hostname: String!, $first: Int) {
  scanHistory(hostname: $hostname, first: $first) {
    totalCount
    edges { node { id type status durationMs requestedBy completedAt host { hostname port } error { code message } } }
  }
}`;

export const WORKERS = `query Workers { workers { id hostname state running concurrency pools lastSeenAt } }`;

export interface ScanError {
  code: string;
  message: string;
}

export interface HostRef {
  hostname: string;
  port: number;
}

/** SCAN's answer. */
export interface ScanDetail {
  id: string;
  type: string;
  status: string;
  progress: number;
  durationMs: number | null;
  requestedBy: string;
  workerId: string | null;
  error: ScanError | null;
  host: HostRef;
  steps: Array<{
    name: string;
    status: string;
    durationMs: number | null;
    error: ScanError | null;
  }>;
  result: {
    os: {
      prettyName: string | null;
      name: string | null;
      version: string | null;
      kernel: string | null;
      arch: string | null;
    } | null;
    hostname: string | null;
    uptimeSeconds: number | null;
    memory: {
      totalBytes: number;
      usedBytes: number;
      availableBytes: number;
      swapTotalBytes: number;
      swapUsedBytes: number;
    } | null;
    disks: Array<{
      mount: string;
      filesystem: string;
      sizeBytes: number;
      usedBytes: number;
      usePercent: number;
    }> | null;
    packages: { manager: string; count: number } | null;
    updates: Array<{ name: string; security: boolean }> | null;
    rebootRequired: boolean | null;
  } | null;
}

export interface StartedScan {
  id: string;
  status: string;
  type?: string;
  host?: HostRef;
}

export interface HistoryItem {
  id: string;
  type: string;
  status: string;
  durationMs: number | null;
  requestedBy: string;
  completedAt: string | null;
  host: HostRef;
  error: ScanError | null;
}

export interface WorkerItem {
  id: string;
  hostname: string;
  state: string;
  running: number;
  concurrency: number;
  pools: string[];
  lastSeenAt: string;
}
