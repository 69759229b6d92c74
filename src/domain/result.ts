/**
 * The typed result of a scan, as stored (JSONB) and as served by GraphQL.
 * Byte counts are plain numbers here: every value a host reports fits in
 * 2^53, and GraphQL serves them through a 64-bit-safe scalar.
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

export interface DiskInfo {
  mount: string;
  filesystem: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  usePercent: number;
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

export interface ScanResultData {
  os?: OsInfo;
  hostname?: string;
  uptimeSeconds?: number;
  disks?: DiskInfo[];
  memory?: MemoryInfo;
  packages?: PackagesInfo;
  processes?: ProcessInfo[];
  interfaces?: InterfaceInfo[];
}
