import type { ScanType } from '../domain/states';
import type { ScheduleSkip, ScheduleTarget } from '../scheduler/rows';
import type { ScanTarget } from './scan.types';

export type { ScheduleSkip, ScheduleTarget };

/** A schedule as services hand it to the API. */
export interface ScheduleRecord {
  id: string;
  name: string;
  targets: ScheduleTarget[];
  type: ScanType;
  /** The cron expression, as given (5 fields, or 6 with seconds first). */
  cron: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** The due time of the newest run; null before the first. */
  lastRunAt: Date | null;
  /** The next due time; null while disabled. */
  nextRunAt: Date | null;
}

/** One due time that started its scans. */
export interface ScheduleRunRecord {
  dueAt: Date;
  startedAt: Date;
  scanIds: string[];
  skipped: ScheduleSkip[];
}

export interface CreateScheduleRequest {
  readonly name: string;
  readonly targets: readonly ScanTarget[];
  readonly type: ScanType;
  readonly cron: string;
  /** @default 'UTC' */
  readonly timezone?: string | null;
  /** @default true */
  readonly enabled?: boolean | null;
}

/** Unset fields keep their value. */
export interface UpdateScheduleRequest {
  readonly name?: string | null;
  readonly targets?: readonly ScanTarget[] | null;
  readonly type?: ScanType | null;
  readonly cron?: string | null;
  readonly timezone?: string | null;
  readonly enabled?: boolean | null;
}
