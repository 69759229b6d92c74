import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A worker process that is running, or ran until `expires_at` and was not
 * heard from since. Written by the worker itself (src/queue/presence.ts).
 */
@Entity({ tableName: 'workers' })
export class WorkerEntity {
  /** WORKER_ID. */
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  hostname!: string;

  @Property({ type: 'text[]' })
  pools!: string[];

  @Property({ type: 'integer' })
  concurrency!: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  lastSeenAt: Date = new Date();

  /** Renewed with the presence beat; past it, the worker counts as lost. */
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Set when a graceful shutdown begins: it claims nothing more. */
  @Property({ type: 'boolean', default: false })
  stopping: boolean = false;
}
