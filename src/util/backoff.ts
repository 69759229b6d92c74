/**
 * A retry profile: exponential growth from `baseMs`, capped at `capMs`, with
 * full jitter, and never less than `floorMs` (so a retry loop cannot spin).
 */
export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly floorMs: number;
}

/** Re-queue delay of a scan whose attempt failed with a retryable error. */
export const SCAN_RETRY: Backoff = Object.freeze({ baseMs: 1_000, capMs: 30_000, floorMs: 0 });
/** A fenced write or heartbeat retried while the lease may still be valid. */
export const LEASE_WRITE_RETRY: Backoff = Object.freeze({ baseMs: 100, capMs: 1_000, floorMs: 25 });
/** Reconnecting the LISTEN connection after it was lost. */
export const LISTEN_RECONNECT: Backoff = Object.freeze({ baseMs: 200, capMs: 2_000, floorMs: 50 });
/** An event source's catch-up read retried after a database error. */
export const CATCH_UP_RETRY: Backoff = Object.freeze({ baseMs: 250, capMs: 5_000, floorMs: 100 });

/**
 * Exponential backoff with full jitter (AWS architecture blog's "full
 * jitter"): a uniform draw from [0, min(cap, base * 2^(attempt-1))).
 * `attempt` counts from 1; values below 1 are treated as 1.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

/** The delay in ms before retry number `attempt` of `profile`. */
export function delayFor(profile: Backoff, attempt: number): number {
  return Math.max(profile.floorMs, backoffMs(attempt, profile.baseMs, profile.capMs));
}
