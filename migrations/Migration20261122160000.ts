import { Migration } from '@mikro-orm/migrations';

/**
 * startScan's rate limit, shared by every API process: one token bucket per
 * API key in `rate_limits`, taken by one function call that locks the key's
 * row, so concurrent requests through any number of processes never take
 * more than the bucket holds.
 */
export class Migration20261122160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "rate_limits" (
      "key" text not null, "tokens" double precision not null, "at" timestamptz not null,
      constraint "rate_limits_pkey" primary key ("key"));`);
    // Returns 0 when a token was taken, else the seconds until one is free.
    this.addSql(`create function "hostscan_take_token"(p_key text, p_per_second double precision,
        p_burst double precision) returns double precision language plpgsql as $$
      declare
        v_now timestamptz := clock_timestamp();
        v_tokens double precision;
      begin
        insert into rate_limits (key, tokens, at) values (p_key, p_burst, v_now)
          on conflict (key) do nothing;
        select least(p_burst, tokens + greatest(0, extract(epoch from v_now - at)) * p_per_second)
          into v_tokens from rate_limits where key = p_key for update;
        if v_tokens >= 1 then
          update rate_limits set tokens = v_tokens - 1, at = greatest(at, v_now) where key = p_key;
          return 0;
        end if;
        update rate_limits set tokens = v_tokens, at = greatest(at, v_now) where key = p_key;
        return (1 - v_tokens) / p_per_second;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `drop function if exists "hostscan_take_token"(text, double precision, double precision);`,
    );
    this.addSql(`drop table if exists "rate_limits" cascade;`);
  }
}
