import { randomUUID } from 'node:crypto';

import type pg from 'pg';
import { utils as sshUtils } from 'ssh2';

import { PG_ERROR, pgErrorCode } from '../db/pg-errors';
import { CredentialKind } from '../domain/states';
import type { CredentialSecret } from '../secrets/credentials';
import { credentialAad, type Vault } from '../secrets/vault';
import { apiError, badInput, notFound } from './errors';
import { isUuid, validateUsername } from './validate';

export interface CredentialInfo {
  id: string;
  name: string;
  username: string;
  kind: CredentialKind;
  createdAt: Date;
}

export interface CreateCredentialArgs extends CredentialSecret {
  name: string;
  username: string;
}

const MAX_SECRET_CHARS = 64 * 1024;

/**
 * Stored SSH credentials. Secrets are sealed with the vault before they reach
 * the database and are opened only by a worker about to connect; nothing
 * here returns or logs them.
 */
export class CredentialService {
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly vault: Vault | null,
  ) {}

  private requireVault(): Vault {
    if (!this.vault) {
      throw apiError(
        'INVALID_STATE',
        'stored credentials need SECRET_KEY to be configured on this server',
      );
    }
    return this.vault;
  }

  async create(args: CreateCredentialArgs): Promise<CredentialInfo> {
    const vault = this.requireVault();
    const name = args.name.trim();
    if (name.length < 1 || name.length > 100)
      throw badInput('input.name', 'must be 1 to 100 characters');
    const username = validateUsername(args.username, 'input.username');
    if (!username) throw badInput('input.username', 'is required');
    const hasKey = Boolean(args.privateKey);
    const hasPassword = Boolean(args.password);
    if (hasKey === hasPassword)
      throw badInput('input', 'give exactly one of privateKey and password');
    for (const field of ['privateKey', 'passphrase', 'password'] as const) {
      if ((args[field]?.length ?? 0) > MAX_SECRET_CHARS)
        throw badInput(`input.${field}`, 'is too long');
    }
    if (hasKey) {
      // Refuse a key that will never work now rather than at scan time.
      const parsed = sshUtils.parseKey(args.privateKey!, args.passphrase);
      if (parsed instanceof Error) {
        throw badInput(
          'input.privateKey',
          'is not a private key ssh2 can use with this passphrase',
        );
      }
    }
    const secret: CredentialSecret = hasKey
      ? { privateKey: args.privateKey, ...(args.passphrase ? { passphrase: args.passphrase } : {}) }
      : { password: args.password };
    const id = randomUUID();
    const sealed = vault.encrypt(JSON.stringify(secret), credentialAad(id));
    try {
      const res = await this.pgPool.query<CredentialInfo>(
        `insert into credentials (id, name, username, kind, secret) values ($1, $2, $3, $4, $5)
         returning id, name, username, kind, created_at as "createdAt"`,
        [id, name, username, hasKey ? CredentialKind.PRIVATE_KEY : CredentialKind.PASSWORD, sealed],
      );
      return res.rows[0]!;
    } catch (e) {
      if (pgErrorCode(e) === PG_ERROR.UNIQUE_VIOLATION)
        throw badInput('input.name', 'is already taken');
      throw new Error('could not store the credential', { cause: e });
    }
  }

  async list(): Promise<CredentialInfo[]> {
    const res = await this.pgPool.query<CredentialInfo>(
      `select id, name, username, kind, created_at as "createdAt" from credentials order by name`,
    );
    return res.rows;
  }

  async get(id: string): Promise<CredentialInfo | null> {
    if (!isUuid(id)) return null;
    const res = await this.pgPool.query<CredentialInfo>(
      `select id, name, username, kind, created_at as "createdAt" from credentials where id = $1`,
      [id],
    );
    return res.rows[0] ?? null;
  }

  async delete(id: string): Promise<CredentialInfo> {
    if (!isUuid(id)) throw notFound('credential', id);
    const res = await this.pgPool.query<CredentialInfo>(
      `delete from credentials where id = $1 returning id, name, username, kind, created_at as "createdAt"`,
      [id],
    );
    if (!res.rows[0]) throw notFound('credential', id);
    return res.rows[0];
  }
}
