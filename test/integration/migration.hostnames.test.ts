/**
 * The migration that rewrites stored host names to their canonical key
 * (issue case 8), run by MikroORM's migrator on a database holding the
 * spellings the code before it stored as typed: renames, merges (scans
 * moved, the latest pin kept) and the one merge the active-scan index
 * forbids, left alone.
 */
import { randomUUID } from 'node:crypto';

import type { MikroORM } from '@mikro-orm/postgresql';

import { MIGRATIONS } from '../../migrations';
import { openOrm } from '../../src/db/orm';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let orm: MikroORM;
const THIS = 'Migration20261130120000';
/** The migration before this one: the rows below are what the code of that time stored. */
const BEFORE = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name === THIS) - 1]!.name;
const FP_OLD = 'SHA256:' + 'o'.repeat(43);
const FP_NEW = 'SHA256:' + 'n'.repeat(43);

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  orm = await openOrm({ url: db.url });
  await orm.migrator.up({ to: BEFORE });
});

afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

async function host(
  hostname: string,
  port: number,
  createdAt: string,
  pin: [string, string] | null = null,
): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `insert into hosts (id, hostname, port, created_at, host_key_fingerprint, host_key_pinned_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [id, hostname, port, createdAt, pin?.[0] ?? null, pin?.[1] ?? null],
  );
  return id;
}

async function scan(hostId: string, type: string, status: string): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `insert into scans (id, host_id, type, status, transport, requested_by, timeout_seconds)
     values ($1, $2, $3, $4, 'SSH', 'test', 60)`,
    [id, hostId, type, status],
  );
  return id;
}

it('folds the stored spellings of one address into one host, keeping scans and the latest pin', async () => {
  const a = await host('0:0:0:0:0:0:0:1', 22, '2026-01-01', [FP_OLD, '2026-01-01']);
  const b = await host('::1', 22, '2026-01-02');
  const c = await host('0000::0001', 22, '2026-01-03', [FP_NEW, '2026-01-05']);
  const d = await host('::0:1', 22, '2026-01-04');
  const s1 = await scan(a, 'QUICK', 'COMPLETED');
  const s2 = await scan(a, 'QUICK', 'PENDING');
  const s3 = await scan(b, 'FULL', 'RUNNING');
  const s4 = await scan(c, 'FULL', 'COMPLETED');
  // A second active QUICK scan: merging d would break the one-active-scan rule.
  const s5 = await scan(d, 'QUICK', 'PENDING');
  const e = await host('FE80:0::1%eth0', 2222, '2026-01-01', [FP_OLD, '2026-01-01']);
  const f = await host('::FFFF:10.0.0.1', 2222, '2026-01-01');
  const g = await host('db1.example.com', 2222, '2026-01-01');

  await orm.migrator.up({ to: THIS });

  const { rows } = await db.pool.query<{
    id: string;
    hostname: string;
    port: number;
    host_key_fingerprint: string | null;
  }>(`select id, hostname, port, host_key_fingerprint from hosts order by port, hostname`);
  expect(rows).toEqual([
    { id: d, hostname: '::0:1', port: 22, host_key_fingerprint: null },
    { id: b, hostname: '::1', port: 22, host_key_fingerprint: FP_NEW },
    { id: f, hostname: '10.0.0.1', port: 2222, host_key_fingerprint: null },
    { id: g, hostname: 'db1.example.com', port: 2222, host_key_fingerprint: null },
    { id: e, hostname: 'fe80::1%eth0', port: 2222, host_key_fingerprint: FP_OLD },
  ]);
  const scans = await db.pool.query<{ id: string; host_id: string }>(
    `select id, host_id from scans`,
  );
  const hostOf = Object.fromEntries(scans.rows.map((r) => [r.id, r.host_id]));
  expect(hostOf).toEqual({ [s1]: b, [s2]: b, [s3]: b, [s4]: b, [s5]: d });
});
