import type { ScanType, Transport } from '../domain/states';

/** A stored target of a schedule (canonical hostname, port set). */
export interface ScheduleTarget {
  hostname: string;
  port: number;
  username: string | null;
  credentialId: string | null;
  transport: Transport;
}

/** A target a run did not start, and why. */
export interface ScheduleSkip {
  /** The target's position in the schedule's list, from 0. */
  index: number;
  hostname: string;
  port: number;
  reason: 'SCAN_IN_PROGRESS';
  /** The active scan in the way, when it was still active. */
  scanId: string | null;
}

/** A schedules row (snake_case from pg). */
export interface ScheduleRow {
  id: string;
  name: string;
  targets: ScheduleTarget[];
  type: ScanType;
  cron: string;
  timezone: string;
  enabled: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  last_run_at: Date | null;
  next_run_at: Date | null;
}

export interface ScheduleRunRow {
  schedule_id: string;
  due_at: Date;
  started_at: Date;
  scan_ids: string[];
  skipped: ScheduleSkip[];
}
