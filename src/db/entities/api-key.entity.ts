import { randomUUID } from 'node:crypto';

import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { Role } from '../../domain/roles';

/** A bearer token's identity. Only a SHA-256 of the token is stored. */
@Entity({ tableName: 'api_keys' })
@Check({ name: 'api_keys_role_check', expression: `role in ('VIEWER','OPERATOR','ADMIN')` })
export class ApiKeyEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Unique: scans record it as requestedBy. */
  @Property({ type: 'text', unique: true })
  name!: string;

  @Property({ type: 'text' })
  role!: Role;

  @Property({ type: 'text', unique: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
