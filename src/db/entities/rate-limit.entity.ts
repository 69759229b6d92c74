import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A token bucket of startScan's rate limit, one per API key. Read and
 * written only by the `hostscan_take_token` function (see the migration).
 */
@Entity({ tableName: 'rate_limits' })
export class RateLimitEntity {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'double precision' })
  tokens!: number;

  @Property({ type: 'timestamptz' })
  at!: Date;
}
