/** One diff per section of a scan result; diffResults (changes.ts) puts them together. */
import type {
  AddressChange,
  ByteCountChange,
  FilesystemChanges,
  FilesystemRef,
  InterfaceChanges,
  InterfaceRef,
  MemoryChanges,
  OsChanges,
  PackageChanges,
  PackageRef,
  PackageVersionChange,
  UpdateChanges,
  UpdateRef,
  ValueChange,
} from './changes';
import type {
  DiskInfo,
  InterfaceAddress,
  InterfaceInfo,
  MemoryInfo,
  OsInfo,
  PackagesInfo,
} from './result';
import { compareVersions } from './versions';

/** The fields of a pending update that the diff reads (PATCHES results). */
export interface UpdateLike {
  name: string;
  arch?: string | null;
  currentVersion?: string | null;
  availableVersion: string;
  security?: boolean | null;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const archKey = (name: string, arch: string | null | undefined): string =>
  `${name}\u0000${arch ?? ''}`;

function valueChange(from: string | null, to: string | null): ValueChange | null {
  return from === to ? null : { from, to };
}

function byteChange(from: number, to: number): ByteCountChange | null {
  return from === to ? null : { from, to };
}

/** What os-release calls the release, most specific first. */
function osLabel(os: OsInfo): string | null {
  if (os.prettyName) return os.prettyName;
  const parts = [os.name, os.version ?? os.versionId].filter((p): p is string => !!p);
  return parts.length ? parts.join(' ') : null;
}

export function diffOs(previous: OsInfo, current: OsInfo): OsChanges {
  return {
    kernel: valueChange(previous.kernel, current.kernel),
    version: valueChange(osLabel(previous), osLabel(current)),
  };
}

/** Versions installed under each name and architecture (rpm keeps several kernels). */
function versionsByKey(
  p: PackagesInfo,
): Map<string, { name: string; arch: string | null; versions: Set<string> }> {
  const map = new Map<string, { name: string; arch: string | null; versions: Set<string> }>();
  for (const item of p.items) {
    const key = archKey(item.name, item.arch);
    const entry = map.get(key) ?? { name: item.name, arch: item.arch, versions: new Set() };
    entry.versions.add(item.version);
    map.set(key, entry);
  }
  return map;
}

/**
 * A name+arch whose one version was replaced by one other is upgraded or
 * downgraded by the manager's version order; any other difference of
 * version sets (a second kernel installed beside the first) is versions
 * added and removed.
 */
export function diffPackages(previous: PackagesInfo, current: PackagesInfo): PackageChanges {
  const before = versionsByKey(previous);
  const after = versionsByKey(current);
  const out: PackageChanges = {
    manager: current.manager,
    added: [],
    removed: [],
    upgraded: [],
    downgraded: [],
  };
  const ref = (name: string, arch: string | null, version: string): PackageRef => ({
    name,
    arch,
    version,
  });
  for (const [key, now] of after) {
    const was = before.get(key);
    const gone = [...(was?.versions ?? [])].filter((v) => !now.versions.has(v));
    const come = [...now.versions].filter((v) => !was?.versions.has(v));
    if (gone.length === 1 && come.length === 1) {
      const change: PackageVersionChange = {
        name: now.name,
        arch: now.arch,
        from: gone[0]!,
        to: come[0]!,
      };
      const order = compareVersions(current.manager, change.from, change.to);
      (order > 0 ? out.downgraded : out.upgraded).push(change);
      continue;
    }
    for (const v of come) out.added.push(ref(now.name, now.arch, v));
    for (const v of gone) out.removed.push(ref(now.name, now.arch, v));
  }
  for (const [key, was] of before) {
    if (after.has(key)) continue;
    for (const v of was.versions) out.removed.push(ref(was.name, was.arch, v));
  }
  const order = (
    a: { name: string; arch: string | null },
    b: { name: string; arch: string | null },
  ) => byText(archKey(a.name, a.arch), archKey(b.name, b.arch));
  for (const list of [out.added, out.removed, out.upgraded, out.downgraded]) list.sort(order);
  return out;
}

function updateRef(u: UpdateLike): UpdateRef {
  return {
    name: u.name,
    arch: u.arch ?? null,
    currentVersion: u.currentVersion ?? null,
    availableVersion: u.availableVersion,
    security: u.security ?? null,
  };
}

/** A newer build replacing a pending one is that one no longer pending and the new one available. */
export function diffUpdates(previous: UpdateLike[], current: UpdateLike[]): UpdateChanges {
  const key = (u: UpdateLike) => `${archKey(u.name, u.arch)}\u0000${u.availableVersion}`;
  const before = new Set(previous.map(key));
  const after = new Set(current.map(key));
  const sorted = (list: UpdateLike[]) => list.map(updateRef).sort((a, b) => byText(key(a), key(b)));
  return {
    newlyAvailable: sorted(current.filter((u) => !before.has(key(u)))),
    noLongerPending: sorted(previous.filter((u) => !after.has(key(u)))),
  };
}

const mountKey = (d: DiskInfo): string => `${d.mount}\u0000${d.filesystem}`;

function filesystemRef(d: DiskInfo): FilesystemRef {
  return {
    mount: d.mount,
    filesystem: d.filesystem,
    sizeBytes: d.sizeBytes,
    usePercent: d.usePercent,
  };
}

/**
 * Usage counts as changed when the size or the whole-number percent used
 * moved (df's Capacity column is whole percent too): the used bytes of a
 * live filesystem move between any two scans.
 */
export function diffFilesystems(previous: DiskInfo[], current: DiskInfo[]): FilesystemChanges {
  const before = new Map(previous.map((d) => [mountKey(d), d]));
  const after = new Map(current.map((d) => [mountKey(d), d]));
  const out: FilesystemChanges = { added: [], removed: [], usageChanged: [] };
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was) {
      out.added.push(filesystemRef(now));
      continue;
    }
    if (was.sizeBytes === now.sizeBytes && was.usePercent === now.usePercent) continue;
    out.usageChanged.push({
      mount: now.mount,
      filesystem: now.filesystem,
      fromSizeBytes: was.sizeBytes,
      toSizeBytes: now.sizeBytes,
      fromUsedBytes: was.usedBytes,
      toUsedBytes: now.usedBytes,
      fromUsePercent: was.usePercent,
      toUsePercent: now.usePercent,
    });
  }
  for (const [key, was] of before) if (!after.has(key)) out.removed.push(filesystemRef(was));
  const order = (
    a: { mount: string; filesystem: string },
    b: { mount: string; filesystem: string },
  ) => byText(`${a.mount}\u0000${a.filesystem}`, `${b.mount}\u0000${b.filesystem}`);
  for (const list of [out.added, out.removed, out.usageChanged]) list.sort(order);
  return out;
}

export function diffMemory(previous: MemoryInfo, current: MemoryInfo): MemoryChanges {
  return {
    totalBytes: byteChange(previous.totalBytes, current.totalBytes),
    swapTotalBytes: byteChange(previous.swapTotalBytes, current.swapTotalBytes),
  };
}

const addressKey = (a: InterfaceAddress): string => `${a.address}/${a.prefixLength}`;

function interfaceRef(i: InterfaceInfo): InterfaceRef {
  return { name: i.name, mac: i.mac, addresses: i.addresses.map((a) => ({ ...a })) };
}

export function diffInterfaces(
  previous: InterfaceInfo[],
  current: InterfaceInfo[],
): InterfaceChanges {
  const before = new Map(previous.map((i) => [i.name, i]));
  const after = new Map(current.map((i) => [i.name, i]));
  const out: InterfaceChanges = {
    added: [],
    removed: [],
    addressesAdded: [],
    addressesRemoved: [],
  };
  const missing = (from: InterfaceInfo, to: InterfaceInfo): AddressChange[] => {
    const keep = new Set(to.addresses.map(addressKey));
    return from.addresses
      .filter((a) => !keep.has(addressKey(a)))
      .map((a) => ({ interfaceName: from.name, ...a }));
  };
  for (const [name, now] of after) {
    const was = before.get(name);
    if (!was) {
      out.added.push(interfaceRef(now));
      continue;
    }
    out.addressesAdded.push(...missing(now, was));
    out.addressesRemoved.push(...missing(was, now));
  }
  for (const [name, was] of before) if (!after.has(name)) out.removed.push(interfaceRef(was));
  out.added.sort((a, b) => byText(a.name, b.name));
  out.removed.sort((a, b) => byText(a.name, b.name));
  const byAddress = (a: AddressChange, b: AddressChange) =>
    byText(`${a.interfaceName}\u0000${addressKey(a)}`, `${b.interfaceName}\u0000${addressKey(b)}`);
  out.addressesAdded.sort(byAddress);
  out.addressesRemoved.sort(byAddress);
  return out;
}
