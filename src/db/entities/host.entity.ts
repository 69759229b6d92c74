import { randomUUID } from 'node:crypto';

import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A scan target, identified by hostname and port; carries its pinned host key. */
@Entity({ tableName: 'hosts' })
@Unique({ properties: ['hostname', 'port'] })
export class HostEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  hostname!: string;

  @Property({ type: 'integer' })
  port!: number;

  /** SHA-256 fingerprint (`SHA256:...`) pinned on first contact or by trustHostKey. */
  @Property({ type: 'text', nullable: true })
  hostKeyFingerprint: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  hostKeyPinnedAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
