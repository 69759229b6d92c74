/**
 * Connections in a process's `pg` pool for a worker that runs `concurrency`
 * scans at once: concurrency + 8, at least 10 and at most 48.
 *
 * A scan holds a connection only for the length of one statement (every
 * worker write is a single fenced statement, none spans network I/O to a
 * host), so scans share connections: 64 scans on loopback keep well under
 * 20 busy. The ceiling keeps several worker and API processes within
 * PostgreSQL's default `max_connections` of 100 per two processes; the +8 is
 * room for the API's reads, the reaper and presence in the same process.
 */
export function pgPoolSizeFor(concurrency: number): number {
  return Math.min(48, Math.max(10, concurrency + 8));
}
