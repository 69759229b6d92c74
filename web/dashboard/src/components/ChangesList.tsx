import { bytes } from '../format';
import type { Changes } from '../queries';
import { Link, scanPath } from '../router';

const arch = (a: string | null): string => (a ? `:${a}` : '');

/**
 * What changed since the previous finished scan of the same host and type,
 * as a list of sentences (docs/changes.md). A section the two scans could not
 * compare is left out; `count` 0 says nothing changed.
 */
export function ChangesList({ changes }: { changes: Changes }) {
  const lines: string[] = [];
  const { os, packages: p, updates: u, filesystems: f, memory: m, interfaces: n } = changes;
  if (os?.version) lines.push(`OS: ${os.version.from ?? '?'} → ${os.version.to ?? '?'}`);
  if (os?.kernel) lines.push(`Kernel: ${os.kernel.from ?? '?'} → ${os.kernel.to ?? '?'}`);
  for (const x of p?.added ?? [])
    lines.push(`Package added: ${x.name}${arch(x.arch)} ${x.version}`);
  for (const x of p?.removed ?? [])
    lines.push(`Package removed: ${x.name}${arch(x.arch)} ${x.version}`);
  for (const x of p?.upgraded ?? [])
    lines.push(`Package upgraded: ${x.name}${arch(x.arch)} ${x.from} → ${x.to}`);
  for (const x of p?.downgraded ?? [])
    lines.push(`Package downgraded: ${x.name}${arch(x.arch)} ${x.from} → ${x.to}`);
  for (const x of u?.newlyAvailable ?? [])
    lines.push(
      `Update now available: ${x.name} ${x.availableVersion}${x.security ? ' (security)' : ''}`,
    );
  for (const x of u?.noLongerPending ?? [])
    lines.push(`Update no longer pending: ${x.name} ${x.availableVersion}`);
  for (const x of f?.added ?? []) lines.push(`Filesystem mounted: ${x.mount} (${x.filesystem})`);
  for (const x of f?.removed ?? []) lines.push(`Filesystem gone: ${x.mount} (${x.filesystem})`);
  for (const x of f?.usageChanged ?? [])
    lines.push(`Usage of ${x.mount}: ${x.fromUsePercent ?? '?'} % → ${x.toUsePercent ?? '?'} %`);
  if (m?.totalBytes) lines.push(`Memory: ${bytes(m.totalBytes.from)} → ${bytes(m.totalBytes.to)}`);
  if (m?.swapTotalBytes)
    lines.push(`Swap: ${bytes(m.swapTotalBytes.from)} → ${bytes(m.swapTotalBytes.to)}`);
  for (const x of n?.added ?? []) lines.push(`Interface added: ${x.name}`);
  for (const x of n?.removed ?? []) lines.push(`Interface removed: ${x.name}`);
  for (const x of n?.addressesAdded ?? [])
    lines.push(`Address added on ${x.interfaceName}: ${x.address}/${x.prefixLength}`);
  for (const x of n?.addressesRemoved ?? [])
    lines.push(`Address removed from ${x.interfaceName}: ${x.address}/${x.prefixLength}`);

  return (
    <div className="changes">
      <p>
        {changes.count === 0
          ? 'Nothing changed since '
          : `${changes.count} ${changes.count === 1 ? 'change' : 'changes'} since `}
        <Link to={scanPath(changes.previousScanId)}>the previous scan</Link>.
      </p>
      {lines.length > 0 ? (
        <ul>
          {lines.map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
