import type pg from 'pg';

/**
 * A token bucket per key: `perMinute` tokens refill over a minute, up to
 * `burst`. The buckets live in PostgreSQL (`rate_limits`), so every API
 * process draws on the same one: N API processes do not give a key N times
 * the rate. One statement per call; the function locks the key's row, so
 * concurrent calls never take more tokens than there are.
 */
export class RateLimiter {
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Takes a token; resolves 0 when allowed, else the whole seconds until one is free. */
  async take(key: string): Promise<number> {
    const { rows } = await this.pgPool.query<{ wait: number }>(
      'select hostscan_take_token($1, $2, $3) as wait',
      [key, this.perMinute / 60, this.burst],
    );
    const wait = rows[0]!.wait;
    return wait > 0 ? Math.max(1, Math.ceil(wait)) : 0;
  }
}
