import type { ScanStatus } from '../domain/states';
import type { ScanRow } from '../queue/rows';
import type { LogPosition } from './log-cursor';

/**
 * One progress event with the scan row as it was read right after it. The
 * hub hands the same object to every subscriber, hence readonly.
 */
export interface ScanEvent {
  readonly scanId: string;
  readonly seq: number;
  readonly status: ScanStatus;
  readonly progress: number;
  readonly step: string | null;
  readonly message: string | null;
  readonly at: Date;
  readonly scan: Readonly<ScanRow>;
  /** Where the row sits in the log; absent on the "current state" event, which is no row. */
  readonly position?: LogPosition;
}

/** Which events a dashboard subscription takes; an absent or empty list takes all. */
export interface EventFilter {
  readonly statuses?: readonly string[];
  readonly types?: readonly string[];
}

/** Whether a dashboard subscription with this filter takes the event. */
export function matchesFilter(filter: EventFilter, event: ScanEvent): boolean {
  if (filter.statuses?.length && !filter.statuses.includes(event.status)) return false;
  if (filter.types?.length && !filter.types.includes(event.scan.type)) return false;
  return true;
}
