import { promises as fs } from 'node:fs';
import path from 'node:path';

import type pg from 'pg';

import { Role } from '../domain/roles';
import type { Logger } from '../logger';
import { generateToken, hashToken, safeEqual } from './tokens';

export interface Principal {
  /** API key id; null for the ADMIN_TOKEN from the environment. */
  keyId: string | null;
  /** Recorded as `requestedBy` on scans this principal starts. */
  name: string;
  role: Role;
}

/** How often last_used_at is written per key at most: a write per request would be wasteful. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class Authenticator {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly pgPool: pg.Pool,
    private readonly adminToken: string | null,
    private readonly log: Logger,
  ) {}

  /** The principal a bearer token stands for, or null when it is unknown or revoked. */
  async authenticate(token: string | null): Promise<Principal | null> {
    if (!token) return null;
    if (this.adminToken && safeEqual(token, this.adminToken)) {
      return { keyId: null, name: 'admin-token', role: Role.ADMIN };
    }
    const res = await this.pgPool.query<{ id: string; name: string; role: Role }>(
      `select id, name, role from api_keys where token_hash = $1 and revoked_at is null`,
      [hashToken(token)],
    );
    const key = res.rows[0];
    if (!key) return null;
    this.touch(key.id);
    return { keyId: key.id, name: key.name, role: key.role };
  }

  async isRevoked(keyId: string): Promise<boolean> {
    return (await this.revokedAmong([keyId])).length > 0;
  }

  /** The ids among `keyIds` whose key is revoked (or gone). */
  async revokedAmong(keyIds: string[]): Promise<string[]> {
    const res = await this.pgPool.query<{ id: string }>(
      `select k.id::text as id from unnest($1::uuid[]) as k(id)
       left join api_keys a on a.id = k.id where a.id is null or a.revoked_at is not null`,
      [keyIds],
    );
    return res.rows.map((r) => r.id);
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(keyId, now);
    this.pgPool
      .query(`update api_keys set last_used_at = now() where id = $1`, [keyId])
      .catch((e: unknown) => this.log.warn({ err: e, keyId }, 'could not record last_used_at'));
  }
}

/**
 * First start with no ADMIN_TOKEN and no stored key: create an ADMIN key,
 * print its token once and write it to `<dataDir>/admin-token` (mode 0600).
 * Returns the token when one was created.
 */
export async function bootstrapAdminToken(
  pgPool: pg.Pool,
  dataDir: string,
  adminToken: string | null,
  log: Logger,
): Promise<string | null> {
  if (adminToken) return null;
  const client = await pgPool.connect();
  try {
    await client.query('begin');
    // Two processes starting together must not both create a key.
    await client.query('lock table api_keys in exclusive mode');
    const existing = await client.query('select 1 from api_keys limit 1');
    if ((existing.rowCount ?? 0) > 0) {
      await client.query('commit');
      return null;
    }
    const token = generateToken();
    await client.query(
      `insert into api_keys (id, name, role, token_hash) values (gen_random_uuid(), 'bootstrap-admin', 'ADMIN', $1)`,
      [hashToken(token)],
    );
    await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
    const file = path.join(dataDir, 'admin-token');
    await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
    await fs.chmod(file, 0o600);
    await client.query('commit');
    log.info({ file }, 'generated the first ADMIN token');
    process.stdout.write(
      `\nFirst start: ADMIN token (shown once, also in ${file}):\n  ${token}\n\n`,
    );
    return token;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw new Error('could not bootstrap the admin token', { cause: e });
  } finally {
    client.release();
  }
}
