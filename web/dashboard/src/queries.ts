/** The GraphQL operations the dashboard sends, and the shapes they return. */

export type ScanStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'PARTIAL' | 'FAILED' | 'CANCELLED';
export type ScanType = 'QUICK' | 'FULL' | 'PATCHES';
export const SCAN_TYPES: readonly ScanType[] = ['QUICK', 'FULL', 'PATCHES'];
export const ACTIVE: readonly ScanStatus[] = ['PENDING', 'RUNNING'];

export interface ScanError {
  code: string;
  message: string;
}

/** A row of the scans table. */
export interface ScanRow {
  id: string;
  type: ScanType;
  status: ScanStatus;
  progress: number;
  currentStep: string | null;
  lastSeq: number;
  attempt: number;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  changeCount: number | null;
  username: string | null;
  error: ScanError | null;
  host: { hostname: string; port: number };
}

const ROW_FIELDS = `id type status progress currentStep lastSeq attempt requestedBy
  createdAt startedAt completedAt durationMs changeCount username
  error { code message } host { hostname port }`;

export const SCANS = `query DashboardScans($first: Int) {
  scans(first: $first) { totalCount edges { node { ${ROW_FIELDS} } } }
}`;
export interface ScansData {
  scans: { totalCount: number; edges: Array<{ node: ScanRow }> };
}

export const SCAN_UPDATES = `subscription DashboardUpdates {
  scanUpdates { scanId seq status progress step scan { ${ROW_FIELDS} } }
}`;
export interface ProgressEvent {
  scanId: string;
  seq: number;
  status: ScanStatus;
  progress: number;
  step: string | null;
}
export interface ScanUpdatesData {
  scanUpdates: ProgressEvent & { scan: ScanRow };
}

export const START_SCAN = `mutation DashboardStartScan($input: StartScanInput!) {
  startScan(input: $input) { scan { ${ROW_FIELDS} } }
}`;
export interface StartScanData {
  startScan: { scan: ScanRow };
}

export const CANCEL_SCAN = `mutation DashboardCancelScan($id: ID!) {
  cancelScan(id: $id) { ${ROW_FIELDS} }
}`;
export interface CancelScanData {
  cancelScan: ScanRow;
}

export const CREDENTIALS = `query DashboardCredentials { credentials { id name username kind } }`;
export interface CredentialsData {
  credentials: Array<{ id: string; name: string; username: string; kind: string }>;
}

export interface Step {
  name: string;
  position: number;
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: ScanError | null;
}

export interface Disk {
  mount: string;
  filesystem: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  usePercent: number | null;
  error: string | null;
}

export interface ScanResult {
  hostname: string | null;
  uptimeSeconds: number | null;
  os: {
    id: string | null;
    name: string | null;
    version: string | null;
    prettyName: string | null;
    kernel: string | null;
    arch: string | null;
  } | null;
  disks: Disk[] | null;
  memory: {
    totalBytes: number;
    usedBytes: number;
    availableBytes: number;
    swapTotalBytes: number;
    swapUsedBytes: number;
  } | null;
  packages: {
    manager: string;
    count: number;
    items: Array<{ name: string; version: string; arch: string | null; state: string | null }>;
  } | null;
  processes: Array<{
    pid: number;
    user: string;
    command: string;
    rssBytes: number;
    memPercent: number;
  }> | null;
  interfaces: Array<{
    name: string;
    mac: string | null;
    mtu: number | null;
    state: string;
    addresses: Array<{ address: string; family: string; prefixLength: number }>;
  }> | null;
  updates: Array<{
    name: string;
    arch: string | null;
    currentVersion: string | null;
    availableVersion: string;
    source: string | null;
    security: boolean;
    severity: string | null;
  }> | null;
  rebootRequired: boolean | null;
  rebootReasons: string[] | null;
  packageListsAge: number | null;
}

export interface ScanDetail extends ScanRow {
  workerId: string | null;
  timeoutSeconds: number;
  cancelRequestedAt: string | null;
  steps: Step[];
  result: ScanResult | null;
  changes: Changes | null;
}

export interface Changes {
  count: number;
  previousScanId: string;
  os: {
    kernel: { from: string | null; to: string | null } | null;
    version: { from: string | null; to: string | null } | null;
  } | null;
  packages: {
    manager: string;
    added: Array<{ name: string; arch: string | null; version: string }>;
    removed: Array<{ name: string; arch: string | null; version: string }>;
    upgraded: Array<{ name: string; arch: string | null; from: string; to: string }>;
    downgraded: Array<{ name: string; arch: string | null; from: string; to: string }>;
  } | null;
  updates: {
    newlyAvailable: Array<{ name: string; availableVersion: string; security: boolean | null }>;
    noLongerPending: Array<{ name: string; availableVersion: string }>;
  } | null;
  filesystems: {
    added: Array<{ mount: string; filesystem: string }>;
    removed: Array<{ mount: string; filesystem: string }>;
    usageChanged: Array<{
      mount: string;
      fromUsePercent: number | null;
      toUsePercent: number | null;
    }>;
  } | null;
  memory: {
    totalBytes: { from: number; to: number } | null;
    swapTotalBytes: { from: number; to: number } | null;
  } | null;
  interfaces: {
    added: Array<{ name: string }>;
    removed: Array<{ name: string }>;
    addressesAdded: Array<{ interfaceName: string; address: string; prefixLength: number }>;
    addressesRemoved: Array<{ interfaceName: string; address: string; prefixLength: number }>;
  } | null;
}

const CHANGES_FIELDS = `count previousScanId
  os { kernel { from to } version { from to } }
  packages { manager added { name arch version } removed { name arch version }
    upgraded { name arch from to } downgraded { name arch from to } }
  updates { newlyAvailable { name availableVersion security } noLongerPending { name availableVersion } }
  filesystems { added { mount filesystem } removed { mount filesystem }
    usageChanged { mount fromUsePercent toUsePercent } }
  memory { totalBytes { from to } swapTotalBytes { from to } }
  interfaces { added { name } removed { name }
    addressesAdded { interfaceName address prefixLength }
    addressesRemoved { interfaceName address prefixLength } }`;

const DETAIL_FIELDS = `${ROW_FIELDS} workerId timeoutSeconds cancelRequestedAt
  steps { name position status startedAt completedAt durationMs error { code message } }
  result {
    hostname uptimeSeconds
    os { id name version prettyName kernel arch }
    disks { mount filesystem sizeBytes usedBytes availableBytes usePercent error }
    memory { totalBytes usedBytes availableBytes swapTotalBytes swapUsedBytes }
    packages { manager count items { name version arch state } }
    processes { pid user command rssBytes memPercent }
    interfaces { name mac mtu state addresses { address family prefixLength } }
    updates { name arch currentVersion availableVersion source security severity }
    rebootRequired rebootReasons packageListsAge
  }
  changes { ${CHANGES_FIELDS} }`;

export const SCAN = `query DashboardScan($id: ID!) { scan(id: $id) { ${DETAIL_FIELDS} } }`;
export interface ScanData {
  scan: ScanDetail | null;
}

/** Events of one scan; the scan itself is re-read when its status or step moves. */
export const SCAN_PROGRESS = `subscription DashboardScanProgress($id: ID!, $afterSeq: Int) {
  scanProgress(id: $id, afterSeq: $afterSeq) { scanId seq status progress step }
}`;
export interface ScanProgressData {
  scanProgress: ProgressEvent;
}

export const HOST = `query DashboardHost($hostname: String!, $port: Int, $first: Int) {
  host(hostname: $hostname, port: $port) {
    id hostname port hostKeyFingerprint hostKeyPinnedAt
    scans(first: $first) {
      totalCount
      edges { node { ${ROW_FIELDS} changes { ${CHANGES_FIELDS} } } }
    }
  }
}`;
export interface HostData {
  host: {
    id: string;
    hostname: string;
    port: number;
    hostKeyFingerprint: string | null;
    hostKeyPinnedAt: string | null;
    scans: {
      totalCount: number;
      edges: Array<{ node: ScanRow & { changes: Changes | null } }>;
    };
  } | null;
}
