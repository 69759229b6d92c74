import type pg from 'pg';

/**
 * Token buckets per key. The buckets live in PostgreSQL (`rate_limits`), so
 * every API process draws on the same ones: N API processes do not give a
 * key N times the rate. One statement per call; the function locks the
 * key's rows, so concurrent calls never take more tokens than there are.
 *
 * Two buckets per key: calls (`perMinute` refilled per minute, up to
 * `burst`) and, when `targetsPerMinute` is set, targets (that many per
 * minute, holding at most a minute's worth). A call takes one call token
 * and one target token per scan it asks for, both or neither.
 */
export class RateLimiter {
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly perMinute: number,
    private readonly burst: number,
    /** Null: no target bucket, every call costs one token whatever its size. */
    readonly targetsPerMinute: number | null = null,
  ) {}

  /**
   * Takes a call token and, with a target bucket, `targets` target tokens.
   * Resolves 0 when taken, else the whole seconds until both buckets hold
   * enough (nothing is taken then). `targets` above `targetsPerMinute` can
   * never pass: callers refuse such a request before asking.
   */
  async take(key: string, targets = 1): Promise<number> {
    const { rows } =
      this.targetsPerMinute === null
        ? await this.pgPool.query<{ wait: number }>(
            'select hostscan_take_token($1, $2, $3) as wait',
            [key, this.perMinute / 60, this.burst],
          )
        : await this.pgPool.query<{ wait: number }>(
            'select hostscan_take_start_tokens($1, $2, $3, $4, $5, $6) as wait',
            [
              key,
              this.perMinute / 60,
              this.burst,
              this.targetsPerMinute / 60,
              this.targetsPerMinute,
              targets,
            ],
          );
    const wait = rows[0]!.wait;
    return wait > 0 ? Math.max(1, Math.ceil(wait)) : 0;
  }
}
