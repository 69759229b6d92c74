/**
 * How an API process learns of new scan events: `listen` holds one LISTEN
 * connection (NOTIFY as a hint, the event log as the truth); `poll` reads the
 * event log on a timer and holds no connection between reads (for poolers in
 * transaction mode, such as PgBouncer).
 */
export type EventsMode = 'listen' | 'poll';

/**
 * What a worker does with a host key it has not pinned: `tofu` pins it on
 * first contact (trust on first use); `strict` fails the scan with
 * HOST_KEY_UNKNOWN until an admin trusts a fingerprint.
 */
export type HostKeyPolicy = 'tofu' | 'strict';
