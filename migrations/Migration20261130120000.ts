import { Migration } from '@mikro-orm/migrations';

import { canonicalIp } from '../src/util/ip';

/** Runs one statement in the migration's transaction and returns its rows. */
export type Execute = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

interface StoredHost {
  id: string;
  hostname: string;
  port: number;
  host_key_fingerprint: string | null;
  host_key_pinned_at: Date | null;
}

/** What the rewrite did: rows renamed, rows merged away, rows left under their old name. */
export interface HostnameRewrite {
  renamed: number;
  merged: number;
  kept: string[];
}

/**
 * The host key as validateHostname makes it today. Names were lower-cased
 * without a trailing dot from the start; only IP literals were stored as
 * typed, so this is all a stored row can need.
 */
function canonical(hostname: string): string {
  return canonicalIp(hostname) ?? hostname.toLowerCase().replace(/\.$/, '');
}

async function activeTypes(execute: Execute, hostId: string): Promise<Set<string>> {
  const rows = await execute(
    `select distinct type from scans where host_id = ? and status in ('PENDING','RUNNING')`,
    [hostId],
  );
  return new Set(rows.map((r) => String(r.type)));
}

/**
 * Rewrites stored host names to their canonical key (issue case 8), so a
 * host typed `0:0:0:0:0:0:0:1` before is the host `::1` is now, with its
 * pinned key and scans. Rows that fold into one (hostname, port):
 *
 * - the survivor is the row already under the canonical name, else the
 *   oldest; the others' scans move to it and the others are deleted;
 * - the pin kept is the most recently pinned of the group (the latest key
 *   someone trusted or TOFU saw): a host key is never dropped, so a scan
 *   still fails HOST_KEY_MISMATCH rather than pinning afresh;
 * - a row with a PENDING or RUNNING scan of a type the survivor also has
 *   active is left as it is (the one-active-scan index forbids the merge,
 *   and cancelling work is not a migration's business): it keeps its old
 *   name, and no new request reaches it.
 */
export async function canonicaliseHostnames(execute: Execute): Promise<HostnameRewrite> {
  // Old processes may still insert hosts while this runs.
  await execute(`lock table hosts in share row exclusive mode`);
  const suspects = (await execute(
    `select id, hostname, port, host_key_fingerprint, host_key_pinned_at from hosts
     where hostname ~ '[:A-Z\\[]|\\.$' order by created_at, id`,
  )) as unknown as StoredHost[];
  const groups = new Map<string, StoredHost[]>();
  for (const row of suspects) {
    const name = canonical(row.hostname);
    if (name === row.hostname) continue;
    const key = `${row.port} ${name}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const result: HostnameRewrite = { renamed: 0, merged: 0, kept: [] };
  for (const [key, rows] of groups) {
    const port = rows[0]!.port;
    const name = key.slice(String(port).length + 1);
    const existing = (await execute(
      `select id, hostname, port, host_key_fingerprint, host_key_pinned_at from hosts
       where hostname = ? and port = ?`,
      [name, port],
    )) as unknown as StoredHost[];
    const survivor = existing[0] ?? rows[0]!;
    let pin = survivor;
    const busy = await activeTypes(execute, survivor.id);
    for (const row of rows) {
      if (row.id === survivor.id) continue;
      const active = await activeTypes(execute, row.id);
      if ([...active].some((t) => busy.has(t))) {
        result.kept.push(`${row.hostname}:${row.port}`);
        continue;
      }
      for (const t of active) busy.add(t);
      await execute(`update scans set host_id = ? where host_id = ?`, [survivor.id, row.id]);
      await execute(`delete from hosts where id = ?`, [row.id]);
      if (
        row.host_key_pinned_at !== null &&
        (pin.host_key_pinned_at === null || row.host_key_pinned_at > pin.host_key_pinned_at)
      ) {
        pin = row;
      }
      result.merged++;
    }
    await execute(
      `update hosts set hostname = ?, host_key_fingerprint = ?, host_key_pinned_at = ? where id = ?`,
      [name, pin.host_key_fingerprint, pin.host_key_pinned_at, survivor.id],
    );
    if (survivor.hostname !== name) result.renamed++;
  }
  return result;
}

/** Stored host names to their canonical form (see canonicaliseHostnames). */
export class Migration20261130120000 extends Migration {
  override async up(): Promise<void> {
    await canonicaliseHostnames((sql, params) => this.execute(sql, params));
  }

  override async down(): Promise<void> {
    // The typed spellings are gone, and the canonical names are valid input
    // for the code before this migration: nothing to undo.
  }
}
