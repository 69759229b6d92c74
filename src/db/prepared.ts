import type pg from 'pg';

/**
 * Makes `pool.query(text, values)` send each of the given statement texts as
 * a named prepared statement: PostgreSQL parses and plans it once per
 * connection (and, after five runs, keeps a generic plan) instead of on
 * every call. Any other text, and every call through a checked-out client,
 * goes as before.
 *
 * Only fixed texts belong here: a connection keeps every statement it has
 * prepared for its lifetime. Names are `hostscan_<key>`.
 *
 * Not for PgBouncer in transaction mode before 1.21, which hands a named
 * statement's executions to server connections that never prepared it
 * ("prepared statement ... does not exist"); `EVENTS_MODE=poll`, the mode for
 * such a pooler, leaves statements unnamed (see app.ts).
 *
 * Measured with pg_stat_statements on a 100-scan loopback fleet
 * (docs/benchmarks.md): planning was a third of the server's time on these
 * statements.
 */
export function namePreparedStatements(pool: pg.Pool, statements: Record<string, string>): void {
  const names = new Map<string, string>();
  registry.set(pool, names);
  for (const [key, text] of Object.entries(statements)) {
    if (names.has(text)) throw new Error(`statement ${key} is listed twice`);
    names.set(text, `hostscan_${key.toLowerCase()}`);
  }
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const named = (...args: unknown[]): unknown => {
    const [text, values] = args;
    if (typeof text === 'string' && args.length === 2 && Array.isArray(values) && names.has(text))
      return query(preparedQuery(pool, text, values));
    return query(...args);
  };
  pool.query = named as typeof pool.query;
}

/** Each pool's statement names, for queries sent through a checked-out client. */
const registry = new WeakMap<pg.Pool, ReadonlyMap<string, string>>();

/**
 * The query to send on one of `pool`'s clients for `text`: named as
 * namePreparedStatements named it for the pool, else as given.
 */
export function preparedQuery(pool: pg.Pool, text: string, values: unknown[]): pg.QueryConfig {
  const name = registry.get(pool)?.get(text);
  return name ? { name, text, values } : { text, values };
}
