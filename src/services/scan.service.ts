import { randomUUID } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

import type { Principal } from '../auth/authenticator';
import type { WorkerConfig } from '../config';
import { ScanEntity } from '../db/entities';
import { PG_ERROR, pgConstraint, pgErrorCode } from '../db/pg-errors';
import { isTerminal, TERMINAL_STATUSES } from '../domain/states';
import type { HostRow, ScanRow } from '../queue/rows';
import * as sql from '../queue/sql';
import { apiError, badInput, notFound } from './errors';
import {
  type Connection,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  MAX_PAGE_SIZE,
  type PageArgs,
} from './page';
import type { RateLimiter } from './rate-limit';
import { scanFromEntity, scanFromRow } from './scan.mapper';
import {
  MAX_BATCH_TARGETS,
  type ScanListFilter,
  type ScanRecord,
  type StartScanRequest,
  type StartScansOutcome,
  type StartScansRequest,
} from './scan.types';
import { startScanBatch } from './scan-batch';
import { hostLabel, validateStartOptions, validateTarget } from './scan-options';
import { isUuid, validateHostname, validateIntRange } from './validate';

/** Scan use cases behind the resolvers: no SQL in resolvers. */
export class ScanService {
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly defaults: Pick<WorkerConfig, 'defaultScanTimeoutSeconds' | 'maxAttempts'>,
    private readonly limiter: RateLimiter | null = null,
  ) {}

  async start(principal: Principal, input: StartScanRequest): Promise<ScanRecord> {
    await this.takeTokens(principal, 1, 'startScan');
    const { hostname, port, username, transport, credentialId } = validateTarget(input.target);
    const { timeoutSeconds, priority, idempotencyKey, pool, refreshMetadata } =
      validateStartOptions(input, this.defaults.defaultScanTimeoutSeconds);
    if (credentialId !== null) {
      const found = await this.pgPool.query(`select 1 from credentials where id = $1`, [
        credentialId,
      ]);
      if (!found.rowCount) throw badInput('target.credentialId', 'names no stored credential');
    }

    if (idempotencyKey) {
      const existing = await this.findByIdempotencyKey(principal.name, idempotencyKey);
      if (existing)
        return this.sameRequestOrError(existing, { hostname, port, type: input.type, pool });
    }

    const host = (await this.pgPool.query<HostRow>(sql.UPSERT_HOST, [hostname, port])).rows[0]!;
    try {
      const res = await this.pgPool.query<ScanRow>(sql.INSERT_SCAN, [
        randomUUID(),
        host.id,
        input.type,
        transport,
        username,
        credentialId,
        priority,
        timeoutSeconds,
        idempotencyKey,
        principal.name,
        this.defaults.maxAttempts,
        pool,
        refreshMetadata,
      ]);
      return scanFromRow(res.rows[0]!);
    } catch (e) {
      const unique = pgErrorCode(e) === PG_ERROR.UNIQUE_VIOLATION;
      if (unique && idempotencyKey) {
        // Lost a race with the same key (whichever unique index tripped
        // first): the winner's scan is the answer.
        const existing = await this.findByIdempotencyKey(principal.name, idempotencyKey);
        if (existing)
          return this.sameRequestOrError(existing, { hostname, port, type: input.type, pool });
      }
      if (unique && pgConstraint(e) === 'scans_one_active_per_host_type') {
        const active = await this.pgPool.query<{ id: string }>(sql.FIND_ACTIVE_SCAN, [
          host.id,
          input.type,
        ]);
        const scanId = active.rows[0]?.id;
        throw apiError(
          'SCAN_IN_PROGRESS',
          `a ${input.type} scan of ${hostLabel(hostname, port)} is already pending or running`,
          { scanId },
        );
      }
      throw new Error('could not insert scan', { cause: e });
    }
  }

  /**
   * Starts one scan per target (1 to MAX_BATCH_TARGETS), all of one type and
   * options. A target that cannot start (BAD_USER_INPUT, SCAN_IN_PROGRESS)
   * gets its own error in its result; the others start. Throws only for the
   * whole call: RATE_LIMITED (then nothing starts), or BAD_USER_INPUT for a
   * bad option or target count.
   */
  async startMany(principal: Principal, input: StartScansRequest): Promise<StartScansOutcome> {
    const n = input.targets.length;
    if (n < 1 || n > MAX_BATCH_TARGETS)
      throw badInput('targets', `must name 1 to ${MAX_BATCH_TARGETS} targets (got ${n})`);
    const perMinute = this.limiter?.targetsPerMinute ?? null;
    if (perMinute !== null && n > perMinute)
      throw badInput(
        'targets',
        `${n} targets exceed what one API key may start per minute on this server (${perMinute}, START_SCAN_TARGETS_PER_MINUTE): split the batch`,
      );
    await this.takeTokens(principal, n, 'startScans');
    const options = validateStartOptions(input, this.defaults.defaultScanTimeoutSeconds);
    return startScanBatch(this.pgPool, principal, input, options, this.defaults.maxAttempts);
  }

  /** One call token and `targets` target tokens of the principal's key, or RATE_LIMITED. */
  private async takeTokens(principal: Principal, targets: number, what: string): Promise<void> {
    const wait = (await this.limiter?.take(principal.keyId ?? principal.name, targets)) ?? 0;
    if (wait > 0) {
      throw apiError(
        'RATE_LIMITED',
        `too many ${what} calls or targets for this API key; retry in ${wait} s`,
        { retryAfterSeconds: wait },
      );
    }
  }

  private async findByIdempotencyKey(
    requestedBy: string,
    key: string,
  ): Promise<(ScanRow & { hostname: string; port: number }) | null> {
    const res = await this.pgPool.query<ScanRow & { hostname: string; port: number }>(
      sql.FIND_BY_IDEMPOTENCY_KEY_WITH_HOST,
      [requestedBy, key],
    );
    return res.rows[0] ?? null;
  }

  private sameRequestOrError(
    existing: ScanRow & { hostname: string; port: number },
    wanted: { hostname: string; port: number; type: string; pool: string },
  ): ScanRecord {
    if (
      existing.hostname !== wanted.hostname ||
      existing.port !== wanted.port ||
      existing.type !== wanted.type ||
      existing.pool !== wanted.pool
    ) {
      throw badInput('idempotencyKey', 'was already used for a different scan request');
    }
    return scanFromRow(existing);
  }

  /**
   * A PENDING scan is cancelled at once; a RUNNING one gets a stored request
   * that its worker acts on (NOTIFY speeds it up, the heartbeat guarantees it).
   */
  async cancel(id: string): Promise<ScanRecord> {
    if (!isUuid(id)) throw notFound('scan', id);
    // A scan can move between PENDING and RUNNING (claimed, re-queued) while
    // we look: retry until one of the two cancels lands or the scan is done.
    // A RUNNING row read back after a missed request was claimed again since.
    // Once the request has landed the scan may end (the reaper cancels it)
    // before we read it back: that is this cancel's answer, not an error.
    let row: ScanRow | undefined;
    let requested = false;
    for (let i = 0; i < 5; i++) {
      const pending = await this.pgPool.query<ScanRow>(sql.CANCEL_PENDING, [id]);
      if (pending.rows[0]) return scanFromRow(pending.rows[0]);
      requested = ((await this.pgPool.query(sql.REQUEST_CANCEL, [id])).rowCount ?? 0) > 0;
      row = (await this.pgPool.query<ScanRow>(sql.SCAN_BY_ID, [id])).rows[0];
      if (!row) throw notFound('scan', id);
      if (isTerminal(row.status)) {
        if (requested) return scanFromRow(row);
        throw apiError('INVALID_STATE', `scan ${id} is already ${row.status}`, {
          scanId: id,
          status: row.status,
        });
      }
      // Landed and still RUNNING: its worker (or the reaper) ends it.
      if (requested && row.status === 'RUNNING') return scanFromRow(row);
      // Otherwise it moved under us (claimed again, or re-queued): once more.
    }
    // Five moves in a row: something is churning this scan; let the client retry.
    throw new Error(`scan ${id} kept changing state while being cancelled`);
  }

  async get(em: EntityManager, id: string): Promise<ScanRecord | null> {
    if (!isUuid(id)) return null;
    const e = await em.findOne(ScanEntity, { id });
    return e ? scanFromEntity(e) : null;
  }

  /** The scans with these ids that exist, in the order of `ids`. */
  async getMany(em: EntityManager, ids: readonly string[]): Promise<ScanRecord[]> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return [];
    const found = await em.find(ScanEntity, { id: { $in: wanted } });
    const byId = new Map(found.map((e) => [e.id, e]));
    return wanted.flatMap((id) => {
      const e = byId.get(id);
      return e ? [scanFromEntity(e)] : [];
    });
  }

  /** The newest scan of a host, or null when it has none. */
  async lastForHost(em: EntityManager, hostId: string): Promise<ScanRecord | null> {
    const e = await em.findOne(
      ScanEntity,
      { host: hostId },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return e ? scanFromEntity(e) : null;
  }

  async list(
    em: EntityManager,
    filter: ScanListFilter | null | undefined,
    page: PageArgs,
  ): Promise<Connection<ScanRecord>> {
    const where: Record<string, unknown> = {};
    if (filter?.status?.length) where.status = { $in: filter.status };
    if (filter?.type?.length) where.type = { $in: filter.type };
    if (filter?.hostname)
      where.host = { hostname: validateHostname(filter.hostname, 'filter.hostname') };
    return this.page(em, where, page);
  }

  /** Finished scans, newest first; a non-admin sees only the scans it requested. */
  async history(
    em: EntityManager,
    principal: Principal,
    hostname: string | null | undefined,
    page: PageArgs,
  ): Promise<Connection<ScanRecord>> {
    const where: Record<string, unknown> = { status: { $in: TERMINAL_STATUSES } };
    if (hostname) where.host = { hostname: validateHostname(hostname, 'hostname') };
    if (principal.role !== 'ADMIN') where.requestedBy = principal.name;
    return this.page(em, where, page);
  }

  async listForHost(
    em: EntityManager,
    hostId: string,
    page: PageArgs,
  ): Promise<Connection<ScanRecord>> {
    return this.page(em, { host: hostId }, page);
  }

  /** Keyset pagination on (created_at, id) descending; the cursor names the last row's id. */
  private async page(
    em: EntityManager,
    where: Record<string, unknown>,
    page: PageArgs,
  ): Promise<Connection<ScanRecord>> {
    const first = validateIntRange(page.first, 'first', 0, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    let afterId: string | null = null;
    if (page.after) {
      afterId = decodeCursor(page.after);
      if (!afterId) throw badInput('after', 'is not a cursor this API issued');
    }
    const totalCount = await em.count(ScanEntity, where);
    const qb = em.createQueryBuilder(ScanEntity, 's').select('*').where(where);
    if (afterId) {
      qb.andWhere(
        '(s.created_at, s.id) < (select c.created_at, c.id from scans c where c.id = ?)',
        [afterId],
      );
    }
    const rows = await qb
      .orderBy({ createdAt: 'desc', id: 'desc' })
      .limit(first + 1)
      .getResultList();
    const nodes = rows.slice(0, first).map(scanFromEntity);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      totalCount,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: afterId !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }
}
