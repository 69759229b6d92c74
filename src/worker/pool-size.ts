/**
 * Connections in a process's `pg` pool: 10 for a process without a worker
 * (`concurrency` null); for a worker that runs `concurrency` scans at once,
 * a quarter of that plus 8, at least 10 and at most 24.
 *
 * A scan holds a connection only for the length of one statement (every
 * worker write is a single fenced statement, none spans network I/O to a
 * host), so scans share connections: on a 300-scan loopback fleet at
 * concurrency 64 (docs/benchmarks.md) the pool seldom had more than 24
 * statements to run at once, most of them queued on PostgreSQL's NOTIFY lock
 * anyway. The ceiling keeps a deployment within PostgreSQL's default
 * `max_connections` of 100: each process also holds up to 10 ORM
 * connections and one or two LISTEN connections, so two workers and an API
 * at the defaults need at most 2 × 36 + 21 = 93. The +8 is room for the
 * API's reads, the reaper and presence in the same process.
 */
export function pgPoolSizeFor(concurrency: number | null): number {
  if (concurrency === null) return 10;
  return Math.min(24, Math.max(10, Math.ceil(concurrency / 4) + 8));
}
