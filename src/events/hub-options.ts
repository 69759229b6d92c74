import type pg from 'pg';

import type { EventsMode } from '../domain/settings';
import type { Logger } from '../logger';

/** Options of the EventHub. */
export interface HubOptions {
  /** Pool for the hub's reads of the event log and of scans. */
  readonly pgPool: pg.Pool;
  /** Database for the LISTEN connection (listen mode). */
  readonly connectionString: string;
  readonly log: Logger;
  /**
   * Events a subscriber may have waiting before it is cut off at once.
   * @default 10000
   */
  readonly maxPendingPerSubscriber?: number;
  /**
   * A subscriber with events waiting that has taken none for this long (its
   * client stopped reading) is cut off.
   * @default 10000 (ms)
   */
  readonly subscriberStallMs?: number;
  /**
   * `listen`: one LISTEN connection, woken by NOTIFY (listen-source.ts).
   * `poll`: no LISTEN; a timer reads new log rows and revoked keys every
   * `pollIntervalMs` (poll-source.ts).
   * @default 'listen'
   */
  readonly mode?: EventsMode;
  /**
   * Poll mode interval.
   * @default 500 (ms)
   */
  readonly pollIntervalMs?: number;
}
