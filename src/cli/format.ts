/** Text for people: sizes, durations, tables, and a finished scan's summary. */
import type { ScanDetail } from './documents';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** `1536` → `1.5 KiB`: binary units, one decimal under 10, none above. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

/** Milliseconds as `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Rows under a header, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: { hostname: string; port: number }): string {
  return host.hostname.includes(':')
    ? `[${host.hostname}]:${host.port}`
    : `${host.hostname}:${host.port}`;
}

/**
 * The results of a finished scan: its outcome, then OS, kernel, memory,
 * disks, packages and updates (each line only where that probe ran), then
 * every failed step with its error.
 */
export function scanSummary(scan: ScanDetail): string {
  const lines: string[] = [];
  const label = (name: string, value: string) => lines.push(`  ${`${name}:`.padEnd(10)} ${value}`);
  lines.push(
    `Scan ${scan.id} of ${hostPort(scan.host)} (${scan.type}): ${scan.status} in ${formatDuration(scan.durationMs)}`,
  );
  if (scan.error) label('Error', `${scan.error.code}: ${scan.error.message}`);
  const r = scan.result;
  if (r?.os) {
    const os = r.os.prettyName ?? ([r.os.name, r.os.version].filter(Boolean).join(' ') || '?');
    label('OS', os);
    if (r.os.kernel) label('Kernel', `${r.os.kernel}${r.os.arch ? ` (${r.os.arch})` : ''}`);
  }
  if (r?.hostname) label('Hostname', r.hostname);
  if (r?.uptimeSeconds != null) label('Uptime', formatDuration(r.uptimeSeconds * 1000));
  if (r?.memory) {
    const m = r.memory;
    label(
      'Memory',
      `${formatBytes(m.usedBytes)} used of ${formatBytes(m.totalBytes)}, ${formatBytes(m.availableBytes)} available` +
        (m.swapTotalBytes > 0
          ? `; swap ${formatBytes(m.swapUsedBytes)} of ${formatBytes(m.swapTotalBytes)}`
          : '; no swap'),
    );
  }
  if (r?.disks) {
    label('Disks', r.disks.length === 0 ? 'none' : `${r.disks.length}`);
    for (const d of r.disks)
      lines.push(
        `    ${d.mount.padEnd(16)} ${`${d.usePercent}%`.padStart(4)} of ${formatBytes(d.sizeBytes).padStart(8)}  ${d.filesystem}`,
      );
  }
  if (r?.packages) label('Packages', `${r.packages.count} (${r.packages.manager})`);
  if (r?.updates) {
    const security = r.updates.filter((u) => u.security).length;
    label('Updates', `${r.updates.length}${security ? ` (${security} security)` : ''}`);
  }
  if (r?.rebootRequired != null) label('Reboot', r.rebootRequired ? 'required' : 'not required');
  for (const step of scan.steps.filter((s) => s.status === 'FAILED'))
    label(
      'Failed',
      `step ${step.name}${step.error ? `: ${step.error.code}: ${step.error.message}` : ''}`,
    );
  return lines.join('\n') + '\n';
}
