/**
 * What changed on a host between two finished scans of one type: computed
 * once by the worker at the end of a scan (src/queue/changes.ts) and stored
 * with its result. A section is null when either scan lacks it (a type that
 * does not probe it, or a step that failed), so "not compared" is never
 * mistaken for "everything removed"; an empty list means compared, no change.
 */
import {
  diffFilesystems,
  diffInterfaces,
  diffMemory,
  diffOs,
  diffPackages,
  diffUpdates,
  type UpdateLike,
} from './changes-sections';
import type { InterfaceAddress, ScanResultData } from './result';

/** A text value before and after; either side may be unknown (null). */
export interface ValueChange {
  from: string | null;
  to: string | null;
}

export interface ByteCountChange {
  from: number;
  to: number;
}

export interface PackageRef {
  name: string;
  arch: string | null;
  version: string;
}

export interface PackageVersionChange {
  name: string;
  arch: string | null;
  from: string;
  to: string;
}

/** Packages keyed by name and architecture (multi-arch and multi-version installs kept apart). */
export interface PackageChanges {
  manager: string;
  added: PackageRef[];
  removed: PackageRef[];
  upgraded: PackageVersionChange[];
  downgraded: PackageVersionChange[];
}

/** One pending update, with the fields a PATCHES scan reports for it. */
export interface UpdateRef {
  name: string;
  arch: string | null;
  currentVersion: string | null;
  availableVersion: string;
  security: boolean | null;
}

/** Updates keyed by name, architecture and available version. */
export interface UpdateChanges {
  newlyAvailable: UpdateRef[];
  noLongerPending: UpdateRef[];
}

export interface FilesystemRef {
  mount: string;
  filesystem: string;
  sizeBytes: number | null;
  usePercent: number | null;
}

/** A filesystem on both sides whose size or whole-percent usage moved. */
export interface FilesystemUsageChange {
  mount: string;
  filesystem: string;
  fromSizeBytes: number | null;
  toSizeBytes: number | null;
  fromUsedBytes: number | null;
  toUsedBytes: number | null;
  fromUsePercent: number | null;
  toUsePercent: number | null;
}

/** Filesystems keyed by mount point and source. */
export interface FilesystemChanges {
  added: FilesystemRef[];
  removed: FilesystemRef[];
  usageChanged: FilesystemUsageChange[];
}

/** Totals only: used and free memory move all the time and are not changes of the host. */
export interface MemoryChanges {
  totalBytes: ByteCountChange | null;
  swapTotalBytes: ByteCountChange | null;
}

export interface InterfaceRef {
  name: string;
  mac: string | null;
  addresses: InterfaceAddress[];
}

export interface AddressChange extends InterfaceAddress {
  interfaceName: string;
}

/** Addresses are compared only on interfaces present on both sides. */
export interface InterfaceChanges {
  added: InterfaceRef[];
  removed: InterfaceRef[];
  addressesAdded: AddressChange[];
  addressesRemoved: AddressChange[];
}

export interface OsChanges {
  kernel: ValueChange | null;
  /** The OS release as os-release names it (PRETTY_NAME, else NAME VERSION). */
  version: ValueChange | null;
}

export interface ScanChanges {
  /** The finished scan (same host, same type) this one is compared with. */
  previousScanId: string;
  /** How many single changes are listed below (what `changeCount` serves). */
  count: number;
  os: OsChanges | null;
  packages: PackageChanges | null;
  updates: UpdateChanges | null;
  filesystems: FilesystemChanges | null;
  memory: MemoryChanges | null;
  interfaces: InterfaceChanges | null;
}

/**
 * The pending updates of a PATCHES result, if it has any. Read by field name
 * (`updates [{ name currentVersion availableVersion arch security … }]`)
 * rather than through ScanResultData, so results of any type compare alike.
 */
function updatesOf(r: ScanResultData): UpdateLike[] | undefined {
  const u = (r as { updates?: unknown }).updates;
  return Array.isArray(u) ? (u as UpdateLike[]) : undefined;
}

/** `f` over both sides when both have the section; null (not compared) otherwise. */
function both<T, R>(a: T | undefined | null, b: T | undefined | null, f: (a: T, b: T) => R) {
  return a === undefined || a === null || b === undefined || b === null ? null : f(a, b);
}

const nonNull = (...xs: unknown[]): number => xs.filter((x) => x !== null).length;

/** How many single changes `c` lists: one per package, update, filesystem, address, total, version. */
export function countChanges(c: Omit<ScanChanges, 'previousScanId' | 'count'>): number {
  let n = 0;
  if (c.os) n += nonNull(c.os.kernel, c.os.version);
  if (c.packages) {
    const p = c.packages;
    n += p.added.length + p.removed.length + p.upgraded.length + p.downgraded.length;
  }
  if (c.updates) n += c.updates.newlyAvailable.length + c.updates.noLongerPending.length;
  if (c.filesystems) {
    const f = c.filesystems;
    n += f.added.length + f.removed.length + f.usageChanged.length;
  }
  if (c.memory) n += nonNull(c.memory.totalBytes, c.memory.swapTotalBytes);
  if (c.interfaces) {
    const i = c.interfaces;
    n += i.added.length + i.removed.length + i.addressesAdded.length + i.addressesRemoved.length;
  }
  return n;
}

/**
 * What changed from `previous` (the result of the previous finished scan of
 * the same host and type, `previousScanId`) to `current`. Pure; lists are
 * sorted by name so equal inputs give equal documents.
 */
export function diffResults(
  previousScanId: string,
  previous: ScanResultData,
  current: ScanResultData,
): ScanChanges {
  const sections = {
    os: both(previous.os, current.os, diffOs),
    packages: both(previous.packages, current.packages, diffPackages),
    updates: both(updatesOf(previous), updatesOf(current), diffUpdates),
    filesystems: both(previous.disks, current.disks, diffFilesystems),
    memory: both(previous.memory, current.memory, diffMemory),
    interfaces: both(previous.interfaces, current.interfaces, diffInterfaces),
  };
  return { previousScanId, count: countChanges(sections), ...sections };
}
