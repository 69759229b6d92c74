import { randomUUID } from 'node:crypto';

import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An SSH login secret. `secret` holds the AES-256-GCM sealed JSON of
 * `{ privateKey?, passphrase?, password? }` (src/secrets/vault.ts); nothing
 * else about the secret is stored in the clear.
 */
@Entity({ tableName: 'credentials' })
@Check({ name: 'credentials_kind_check', expression: `kind in ('PRIVATE_KEY','PASSWORD')` })
export class CredentialEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: true })
  name!: string;

  @Property({ type: 'text' })
  username!: string;

  /** PRIVATE_KEY or PASSWORD. */
  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'blob', lazy: true })
  secret!: Buffer;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
