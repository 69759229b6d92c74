import { Migration } from '@mikro-orm/migrations';

/**
 * The start rate limit with batches: every startScan and startScans call
 * takes one token from the key's call bucket (`rate_limits.key`) and one
 * token per target from its target bucket (`key || '#targets'`), both or
 * neither, in one function call that locks the two rows (always in that
 * order, so concurrent calls cannot deadlock). Returns 0 when taken, else
 * the seconds until both buckets hold enough.
 */
export class Migration20261202090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "hostscan_take_start_tokens"(p_key text,
        p_per_second double precision, p_burst double precision,
        p_targets_per_second double precision, p_targets_burst double precision,
        p_targets double precision) returns double precision language plpgsql as $$
      declare
        v_now timestamptz := clock_timestamp();
        v_tkey text := p_key || '#targets';
        v_calls double precision;
        v_targets double precision;
        v_wait double precision := 0;
      begin
        insert into rate_limits (key, tokens, at)
          values (p_key, p_burst, v_now), (v_tkey, p_targets_burst, v_now)
          on conflict (key) do nothing;
        select least(p_burst, tokens + greatest(0, extract(epoch from v_now - at)) * p_per_second)
          into v_calls from rate_limits where key = p_key for update;
        select least(p_targets_burst,
                     tokens + greatest(0, extract(epoch from v_now - at)) * p_targets_per_second)
          into v_targets from rate_limits where key = v_tkey for update;
        if v_calls < 1 then
          v_wait := (1 - v_calls) / p_per_second;
        end if;
        if v_targets < p_targets then
          v_wait := greatest(v_wait, (p_targets - v_targets) / p_targets_per_second);
        end if;
        if v_wait = 0 then
          v_calls := v_calls - 1;
          v_targets := v_targets - p_targets;
        end if;
        update rate_limits set tokens = v_calls, at = greatest(at, v_now) where key = p_key;
        update rate_limits set tokens = v_targets, at = greatest(at, v_now) where key = v_tkey;
        return v_wait;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists "hostscan_take_start_tokens"(text, double precision,
      double precision, double precision, double precision, double precision);`);
  }
}
