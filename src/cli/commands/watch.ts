/** Following scans to their end: one or many, on one WebSocket. */
import type { Context } from '../context';
import { SCAN, type ScanDetail } from '../documents';
import { progressView } from '../progress';
import { follow, WsSession } from '../ws';

/** A scan to follow and the label its progress shows under. */
export interface Watched {
  id: string;
  label: string;
}

/**
 * Follows every scan in `scans` at once until each stream completes, then
 * reads each scan's results. Progress shows as bars on a TTY, lines otherwise
 * (`quiet` shows none).
 *
 * @returns each scan as SCAN reads it once finished, in the order of `scans`.
 * @throws the first follow's CliError (the token refused, the socket lost for good).
 */
export async function watchScans(
  ctx: Context,
  scans: Watched[],
  quiet: boolean,
): Promise<ScanDetail[]> {
  const view = quiet
    ? null
    : progressView(
        ctx.io,
        scans.map((s) => s.label),
      );
  const session = new WsSession(ctx.ws);
  try {
    await Promise.all(
      scans.map((s) =>
        follow(session, ctx.ws, s.id, {
          onEvent: (e) => view?.update(s.label, e),
          onReconnect: (n, why) => view?.note(`${s.label}: ${why}; resuming (try ${n})`),
        }),
      ),
    );
  } finally {
    view?.stop();
    await session.dispose();
  }
  return mapLimit(scans, 4, async (s) => {
    const { scan } = await ctx.api.request<{ scan: ScanDetail | null }>(SCAN, { id: s.id });
    if (!scan) throw new Error(`scan ${s.id} vanished while it was followed`);
    return scan;
  });
}

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
