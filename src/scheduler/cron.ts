import { Cron } from 'croner';

/** A cron expression or time zone that cannot be used; `field` names the input. */
export class ScheduleSpecError extends Error {
  constructor(
    readonly field: 'cron' | 'timezone',
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleSpecError';
  }
}

/** When a schedule is due, in its own time zone. */
export interface CronSchedule {
  /** The first due time strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
  /** The last due time at or before `at`, or null when there is none. */
  latest(at: Date): Date | null;
}

/**
 * Reads a cron expression: five fields (minute hour day-of-month month
 * day-of-week) or six with seconds first, as croner reads them (names like
 * MON and JAN, `L` for the last day, `?`). `timezone` is an IANA zone
 * (`Europe/Berlin`, `UTC`); due times follow its daylight-saving rules.
 * Throws ScheduleSpecError for a malformed expression, an unknown zone, or
 * an expression that never fires (`0 0 30 2 *`).
 */
export function parseCron(expression: string, timezone: string): CronSchedule {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new ScheduleSpecError(
      'timezone',
      `timezone: "${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)`,
    );
  }
  let cron: Cron;
  try {
    // No callback: croner computes times only and starts no timer.
    cron = new Cron(expression.trim(), { timezone, mode: '5-or-6-parts' });
  } catch (e) {
    const why = (e as Error).message.replace(/^CronPattern: /, '');
    throw new ScheduleSpecError(
      'cron',
      `cron: ${why} (five fields "min hour day month weekday", or six with seconds first)`,
    );
  }
  const schedule: CronSchedule = {
    next: (after) => cron.nextRun(after),
    latest: (at) => cron.previousRuns(1, at)[0] ?? null,
  };
  if (schedule.next(new Date()) === null)
    throw new ScheduleSpecError('cron', `cron: "${expression}" never fires`);
  return schedule;
}
