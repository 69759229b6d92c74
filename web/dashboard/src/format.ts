/** Display helpers: sizes in binary units, durations, times. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** `1536` → `1.5 KiB`; null → `unknown`. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unknown';
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Seconds of uptime as `3 d 4 h 12 min`. */
export function uptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'unknown';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d ? `${d} d` : '', d || h ? `${h} h` : '', `${m} min`].filter(Boolean).join(' ');
}

/** An ISO time in the reader's locale, to the second. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: { hostname: string; port: number }): string {
  const h = host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname;
  return `${h}:${host.port}`;
}

export function titleCase(word: string): string {
  return word.charAt(0) + word.slice(1).toLowerCase();
}
