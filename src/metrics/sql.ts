/**
 * The reads behind the scrape-time gauges (scan-stats.ts). Both are
 * aggregates with no host or scan in their output.
 */

/**
 * Scans by status and type: one pass over `scans` (every row, history
 * included; see docs/operations.md for its cost on a large table).
 */
export const SCANS_BY_STATUS_AND_TYPE = `select status, type, count(*)::int as n
  from scans group by status, type`;

/**
 * PENDING scans per pool (served by the partial index scans_claim_idx), and
 * how long the longest-waiting runnable one has waited: from its `run_after`
 * (creation, or the end of a retry's backoff), database clock, in seconds.
 */
export const PENDING_BY_POOL = `select pool, count(*)::int as n,
    coalesce(extract(epoch from now() - min(run_after) filter (where run_after <= now())), 0)::float8
      as oldest_wait
  from scans where status = 'PENDING' group by pool`;
