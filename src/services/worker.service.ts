import type pg from 'pg';

import type { WorkerState } from '../domain/states';
import { validatePool } from './validate';

/** A worker process as it last reported itself, with the scans it runs now. */
export interface WorkerRecord {
  id: string;
  hostname: string;
  pools: string[];
  concurrency: number;
  /** Scans it holds RUNNING now. */
  running: number;
  state: WorkerState;
  startedAt: Date;
  lastSeenAt: Date;
}

/** Worker presence rows (see src/queue/presence.ts) with what each runs now. */
export class WorkerService {
  constructor(private readonly pgPool: pg.Pool) {}

  /** Every known worker, or those serving `pool`, by id. */
  async list(pool: string | null | undefined): Promise<WorkerRecord[]> {
    const only = pool === null || pool === undefined ? null : validatePool(pool);
    const { rows } = await this.pgPool.query<WorkerRecord>(
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
