import type pg from 'pg';

import type { Worker } from '../graphql/worker/worker.type';
import { validatePool } from './validate';

/** Worker presence rows (see src/queue/presence.ts) with what each runs now. */
export class WorkerService {
  constructor(private readonly pool: pg.Pool) {}

  /** Every known worker, or those serving `pool`, by id. */
  async list(pool: string | null | undefined): Promise<Worker[]> {
    const only = pool === null || pool === undefined ? null : validatePool(pool);
    const { rows } = await this.pool.query<Worker>(
      `select w.id, w.hostname, w.pools, w.concurrency,
         w.started_at as "startedAt", w.last_seen_at as "lastSeenAt",
         case when w.expires_at < now() then 'LOST' when w.stopping then 'STOPPING' else 'ACTIVE' end as state,
         coalesce(r.n, 0)::int as running
       from workers w
       left join (select worker_id, count(*) as n from scans where status = 'RUNNING' group by worker_id) r
         on r.worker_id = w.id
       where $1::text is null or $1 = any(w.pools)
       order by w.id`,
      [only],
    );
    return rows;
  }
}
