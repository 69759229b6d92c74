import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { Principal } from '../auth/authenticator';
import { PG_ERROR, pgConstraint, pgErrorCode } from '../db/pg-errors';
import type { ScanType } from '../domain/states';
import { parseCron, ScheduleSpecError } from '../scheduler/cron';
import type { ScheduleRow, ScheduleRunRow } from '../scheduler/rows';
import { RUNS_KEPT } from '../scheduler/scheduler';
import * as sql from '../scheduler/sql';
import { badInput, notFound } from './errors';
import { MAX_BATCH_TARGETS, type ScanTarget } from './scan.types';
import { hostLabel, validateTarget } from './scan-options';
import type {
  CreateScheduleRequest,
  ScheduleRecord,
  ScheduleRunRecord,
  ScheduleTarget,
  UpdateScheduleRequest,
} from './schedule.types';
import { isUuid, validateIntRange } from './validate';

function fromRow(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    name: r.name,
    targets: r.targets,
    type: r.type,
    cron: r.cron,
    timezone: r.timezone,
    enabled: r.enabled,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastRunAt: r.last_run_at,
    nextRunAt: r.next_run_at,
  };
}

/** What a schedule is, validated: everything but its identity and times. */
interface ScheduleSpec {
  name: string;
  targets: ScheduleTarget[];
  type: ScanType;
  cron: string;
  timezone: string;
  enabled: boolean;
}

/**
 * Schedules: create, change, delete, list (the scheduler in src/scheduler/
 * runs them). Every change recomputes the next due time from now, so a
 * schedule enabled again does not catch up on the times it was off.
 */
export class ScheduleService {
  constructor(private readonly pgPool: pg.Pool) {}

  async list(): Promise<ScheduleRecord[]> {
    return (await this.pgPool.query<ScheduleRow>(sql.LIST_SCHEDULES)).rows.map(fromRow);
  }

  async get(id: string): Promise<ScheduleRecord | null> {
    if (!isUuid(id)) return null;
    const row = (await this.pgPool.query<ScheduleRow>(sql.SCHEDULE_BY_ID, [id])).rows[0];
    return row ? fromRow(row) : null;
  }

  /** The newest `last` runs (1 to RUNS_KEPT, default 10), newest first. */
  async runs(id: string, last: number | null | undefined): Promise<ScheduleRunRecord[]> {
    const n = validateIntRange(last, 'last', 1, RUNS_KEPT) ?? 10;
    const res = await this.pgPool.query<ScheduleRunRow>(sql.RECENT_RUNS, [[id], n]);
    return res.rows.map((r) => ({
      dueAt: r.due_at,
      startedAt: r.started_at,
      scanIds: r.scan_ids,
      skipped: r.skipped,
    }));
  }

  async create(principal: Principal, input: CreateScheduleRequest): Promise<ScheduleRecord> {
    const spec = await this.validate({
      name: input.name,
      targets: input.targets,
      type: input.type,
      cron: input.cron,
      timezone: input.timezone ?? 'UTC',
      enabled: input.enabled ?? true,
    });
    const res = await this.write(() =>
      this.pgPool.query<ScheduleRow>(sql.INSERT_SCHEDULE, [
        randomUUID(),
        spec.name,
        JSON.stringify(spec.targets),
        spec.type,
        spec.cron,
        spec.timezone,
        spec.enabled,
        principal.name,
        this.nextRun(spec),
      ]),
    );
    return fromRow(res.rows[0]!);
  }

  async update(id: string, input: UpdateScheduleRequest): Promise<ScheduleRecord> {
    if (!isUuid(id)) throw notFound('schedule', id);
    const client = await this.pgPool.connect();
    try {
      await client.query('begin');
      const current = (await client.query<ScheduleRow>(sql.LOCK_SCHEDULE, [id])).rows[0];
      if (!current) throw notFound('schedule', id);
      const spec = await this.validate({
        name: input.name ?? current.name,
        targets: input.targets ?? current.targets,
        type: input.type ?? current.type,
        cron: input.cron ?? current.cron,
        timezone: input.timezone ?? current.timezone,
        enabled: input.enabled ?? current.enabled,
      });
      // A due time pending now stays pending unless when it fires changed.
      const timing =
        spec.cron !== current.cron ||
        spec.timezone !== current.timezone ||
        spec.enabled !== current.enabled;
      const next = timing ? this.nextRun(spec) : current.next_run_at;
      const res = await this.write(() =>
        client.query<ScheduleRow>(sql.UPDATE_SCHEDULE, [
          id,
          spec.name,
          JSON.stringify(spec.targets),
          spec.type,
          spec.cron,
          spec.timezone,
          spec.enabled,
          next,
        ]),
      );
      await client.query('commit');
      return fromRow(res.rows[0]!);
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /** Deletes the schedule and its runs (not the scans it started); returns what it was. */
  async delete(id: string): Promise<ScheduleRecord> {
    if (!isUuid(id)) throw notFound('schedule', id);
    const row = (await this.pgPool.query<ScheduleRow>(sql.DELETE_SCHEDULE, [id])).rows[0];
    if (!row) throw notFound('schedule', id);
    return fromRow(row);
  }

  private nextRun(spec: ScheduleSpec): Date | null {
    return spec.enabled ? parseCron(spec.cron, spec.timezone).next(new Date()) : null;
  }

  /** A name taken by another schedule is BAD_USER_INPUT on `name`. */
  private async write<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (
        pgErrorCode(e) === PG_ERROR.UNIQUE_VIOLATION &&
        pgConstraint(e) === 'schedules_name_unique'
      )
        throw badInput('name', 'is taken by another schedule');
      throw e;
    }
  }

  private async validate(input: {
    name: string;
    targets: readonly ScanTarget[];
    type: ScanType;
    cron: string;
    timezone: string;
    enabled: boolean;
  }): Promise<ScheduleSpec> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    const n = input.targets.length;
    if (n < 1 || n > MAX_BATCH_TARGETS)
      throw badInput('targets', `must name 1 to ${MAX_BATCH_TARGETS} targets (got ${n})`);
    const seen = new Map<string, number>();
    const targets = input.targets.map((target, i) => {
      const t = validateTarget(target, `targets[${i}]`);
      const key = hostLabel(t.hostname, t.port);
      const first = seen.get(key);
      if (first !== undefined)
        throw badInput(`targets[${i}]`, `names ${key} again (as targets[${first}] does)`);
      seen.set(key, i);
      return t;
    });
    const credentialIds = [...new Set(targets.flatMap((t) => t.credentialId ?? []))];
    if (credentialIds.length > 0) {
      const found = await this.pgPool.query<{ id: string }>(
        `select id from credentials where id = any($1::uuid[])`,
        [credentialIds],
      );
      const known = new Set(found.rows.map((r) => r.id));
      const i = targets.findIndex((t) => t.credentialId !== null && !known.has(t.credentialId));
      if (i >= 0) throw badInput(`targets[${i}].credentialId`, 'names no stored credential');
    }
    const cron = input.cron.trim();
    const timezone = input.timezone.trim();
    try {
      parseCron(cron, timezone);
    } catch (e) {
      if (e instanceof ScheduleSpecError) throw badInput(e.field, e.message.replace(/^\w+: /, ''));
      throw e;
    }
    return { name, targets, type: input.type, cron, timezone, enabled: input.enabled };
  }
}
