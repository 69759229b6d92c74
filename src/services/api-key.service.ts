import type pg from 'pg';

import { generateToken, hashToken } from '../auth/tokens';
import { PG_ERROR, pgErrorCode } from '../db/pg-errors';
import type { Role } from '../domain/roles';
import { badInput, notFound } from './errors';
import { isUuid } from './validate';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, role, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

/** API keys: the token is returned once at creation; only its SHA-256 is stored. */
export class ApiKeyService {
  constructor(private readonly pgPool: pg.Pool) {}

  async create(name: string, role: Role): Promise<{ token: string; apiKey: ApiKeyInfo }> {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 100)
      throw badInput('input.name', 'must be 1 to 100 characters');
    // The ADMIN_TOKEN principal's name: a key must not pass for it.
    if (trimmed === 'admin-token') throw badInput('input.name', 'is reserved');
    const token = generateToken();
    try {
      const res = await this.pgPool.query<ApiKeyInfo>(
        `insert into api_keys (id, name, role, token_hash) values (gen_random_uuid(), $1, $2, $3) returning ${COLUMNS}`,
        [trimmed, role, hashToken(token)],
      );
      return { token, apiKey: res.rows[0]! };
    } catch (e) {
      if (pgErrorCode(e) === PG_ERROR.UNIQUE_VIOLATION)
        throw badInput('input.name', 'is already taken');
      throw new Error('could not create the API key', { cause: e });
    }
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (
      await this.pgPool.query<ApiKeyInfo>(`select ${COLUMNS} from api_keys order by created_at, id`)
    ).rows;
  }

  /**
   * Revokes a key; its open WebSockets are closed by every API process
   * (NOTIFY api_key_revoked).
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    if (!isUuid(id)) throw notFound('API key', id);
    const res = await this.pgPool.query<ApiKeyInfo>(
      `with k as (update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}),
            n as (select pg_notify('api_key_revoked', id::text) from k)
       select k.* from k left join n on true`,
      [id],
    );
    if (!res.rows[0]) throw notFound('API key', id);
    return res.rows[0];
  }
}
