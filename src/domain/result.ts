/**
 * The typed result of a scan, as stored (JSONB) and as served by GraphQL.
 * Byte counts are plain numbers here, exact up to 2^53 (GraphQL serves them
 * through a 64-bit-safe scalar); a filesystem can report more (a tmpfs of
 * size=16P, s3fs, EFS), and such a count is null on its own row.
 */
export interface OsInfo {
  id: string | null;
  name: string | null;
  version: string | null;
  versionId: string | null;
  prettyName: string | null;
  kernel: string | null;
  arch: string | null;
}

/**
 * One local filesystem. A byte count beyond 2^53 is null (the others, and
 * usePercent, are still given). A filesystem that did not answer statfs in
 * time, or refused, has `error` set and every number null.
 */
export interface DiskInfo {
  mount: string;
  filesystem: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  usePercent: number | null;
  /** Why the filesystem could not be measured (e.g. no answer within 2 s); null when it was. */
  error: string | null;
}

export interface MemoryInfo {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  freeBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

export interface PackageItem {
  name: string;
  version: string;
  arch: string | null;
  /**
   * The package manager's own state word when it has per-package states
   * (dpkg: installed, unpacked, half-configured, ...); null for rpm, apk and
   * pacman, whose databases hold only installed packages.
   */
  state: string | null;
}

export interface PackagesInfo {
  manager: string;
  count: number;
  items: PackageItem[];
}

export interface ProcessInfo {
  pid: number;
  user: string;
  command: string;
  cpuPercent: number;
  memPercent: number;
  rssBytes: number;
}

export interface InterfaceAddress {
  address: string;
  family: 'IPV4' | 'IPV6';
  prefixLength: number;
}

export interface InterfaceInfo {
  name: string;
  mac: string | null;
  mtu: number | null;
  state: string;
  addresses: InterfaceAddress[];
}

/**
 * One pending update, as the host's package manager reports it with its own
 * read-only query (see src/probes/updates.ts and docs/patches.md).
 */
export interface UpdateItem {
  name: string;
  /** The installed version; null when the manager does not say. */
  currentVersion: string | null;
  availableVersion: string;
  arch: string | null;
  /** The repository or suite the update comes from (`bookworm-security`, a dnf repo id). */
  source: string | null;
  /** True when the update fixes a security issue, by the manager's own metadata. */
  security: boolean;
  /** The advisory's severity as the manager spells it (`Important`, `moderate`); null when none. */
  severity: string | null;
  /** Advisory ids that name this update (RHSA-…, openSUSE-SU-…); empty when none. */
  advisoryIds: string[];
}

export interface ScanResultData {
  os?: OsInfo;
  hostname?: string;
  uptimeSeconds?: number;
  disks?: DiskInfo[];
  memory?: MemoryInfo;
  packages?: PackagesInfo;
  processes?: ProcessInfo[];
  interfaces?: InterfaceInfo[];
  updates?: UpdateItem[];
  rebootRequired?: boolean;
  /** Why a reboot is required: a flag file and the packages it names, a newer kernel, a tool's answer. */
  rebootReasons?: string[];
  /** Seconds since the package manager's metadata was last refreshed; null when unknown. */
  packageListsAge?: number | null;
}
