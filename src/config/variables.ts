/**
 * Every environment variable hostscan reads at start, in one table: its parser,
 * its default, what it means and which processes use it. `loadConfig` reads
 * this table, and `npm run docs:config` prints it as docs/configuration.md, so
 * each default is written here and nowhere else.
 */
import path from 'node:path';

import type { EventsMode, HostKeyPolicy } from '../domain/settings';
import { DEFAULT_POOL, POOL_PATTERN } from '../domain/states';
import { parseMasterKey } from '../secrets/vault';
import {
  boolean,
  checked,
  commaList,
  integer,
  list,
  membersOf,
  oneOf,
  type Parser,
  text,
} from './parsers';

/** A process that reads the variable: `npm start` runs both `api` and `worker`. */
export type Process = 'api' | 'worker' | 'migrate' | 'rotate-secret-key';

export const ALL_PROCESSES: readonly Process[] = ['api', 'worker', 'migrate', 'rotate-secret-key'];

/** What a computed default may depend on. */
export interface DefaultContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This machine's hostname, lower-cased, without a trailing dot. */
  readonly hostname: string;
  readonly pid: number;
}

export interface Variable<T> {
  readonly parser: Parser<T>;
  /** Used when the variable is unset or blank, and in place of a bad value. */
  readonly default: T | ((context: DefaultContext) => T);
  /** How the docs show the default; required when it is computed or unset. */
  readonly defaultDoc?: string;
  /** What the variable means, one or two sentences of Markdown. */
  readonly doc: string;
  readonly usedBy: readonly Process[];
}

function variable<T>(spec: Variable<T>): Variable<T> {
  return spec;
}

const MS_MAX = 600_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const EVENTS_MODES = membersOf<EventsMode>({ listen: true, poll: true });
const HOST_KEY_POLICIES = membersOf<HostKeyPolicy>({ tofu: true, strict: true });

export const VARIABLES = {
  DATABASE_URL: variable<string | null>({
    parser: checked(
      '`postgres://` or `postgresql://` URL',
      (raw) => /^postgres(ql)?:\/\//.test(raw),
      'must start with postgres:// or postgresql://',
    ),
    default: null,
    defaultDoc: 'unset: embedded',
    doc: 'The database. Unset: an embedded PostgreSQL under `DATA_DIR`, started and stopped with the process.',
    usedBy: ALL_PROCESSES,
  }),
  PORT: variable({
    parser: integer(0, 65535),
    default: 4000,
    doc: 'HTTP and WebSocket port; GraphQL at `/graphql`.',
    usedBy: ['api'],
  }),
  HOST: variable({
    parser: text,
    default: '127.0.0.1',
    doc: 'Listen address (`0.0.0.0` to serve other machines), of the API and of `METRICS_PORT`.',
    usedBy: ['api', 'worker'],
  }),
  DATA_DIR: variable({
    parser: { accepts: 'directory path', parse: (raw) => ({ ok: true, value: path.resolve(raw) }) },
    default: () => path.resolve('.data'),
    defaultDoc: '`.data`',
    doc: 'The embedded database, the generated admin token and the generated master key.',
    usedBy: ALL_PROCESSES,
  }),
  ADMIN_TOKEN: variable<string | null>({
    parser: checked(
      'at least 16 characters',
      (raw) => raw.length >= 16,
      'must be at least 16 characters',
    ),
    default: null,
    defaultDoc: 'unset',
    doc: 'Accepted as an ADMIN token. Unset: an API process finding no API key in the database generates an ADMIN token, prints it once and writes it to `DATA_DIR/admin-token`.',
    usedBy: ['api'],
  }),
  SECRET_KEY: variable<string | null>({
    parser: checked(
      '32 bytes, as 64 hex characters or base64',
      (raw) => {
        try {
          parseMasterKey(raw);
          return true;
        } catch {
          return false;
        }
      },
      'must be 32 bytes, as 64 hex characters or base64',
    ),
    default: null,
    defaultDoc: 'unset',
    doc: 'Master key sealing stored credentials. Unset on the embedded default: generated once into `DATA_DIR/secret-key`. Unset with `DATABASE_URL`: credentials cannot be stored or used (see [security.md](security.md)).',
    usedBy: ['api', 'worker', 'rotate-secret-key'],
  }),
  START_SCAN_RATE_PER_MINUTE: variable({
    parser: integer(1, 1_000_000),
    default: 60,
    doc: '`startScan` and `startScans` calls refilled per minute, per API key, across all API processes.',
    usedBy: ['api'],
  }),
  START_SCAN_BURST: variable({
    parser: integer(1, 1_000_000),
    default: 100,
    doc: '`startScan` and `startScans` calls a key may make at once before the rate applies.',
    usedBy: ['api'],
  }),
  START_SCAN_TARGETS_PER_MINUTE: variable({
    parser: integer(1, 10_000_000),
    default: 10_000,
    doc: "Scans a key may ask for per minute through `startScan` and `startScans` together (one per target), across all API processes; a minute's worth may be used at once (see [security.md](security.md#who-may-do-what)).",
    usedBy: ['api'],
  }),
  INTROSPECTION: variable({
    parser: boolean,
    default: ({ env }) => env.NODE_ENV !== 'production',
    defaultDoc: 'on; off when `NODE_ENV=production`',
    doc: 'GraphQL introspection.',
    usedBy: ['api'],
  }),
  ALLOWED_ORIGINS: variable<string[]>({
    parser: commaList,
    default: [],
    defaultDoc: 'none',
    doc: "WebSocket `Origin`s accepted besides the server's own host; `*` for any.",
    usedBy: ['api'],
  }),
  METRICS_TOKEN: variable<string | null>({
    parser: checked(
      'at least 16 characters',
      (raw) => raw.length >= 16,
      'must be at least 16 characters',
    ),
    default: null,
    defaultDoc: 'unset: open',
    doc: '`GET /metrics` asks for `Authorization: Bearer <this>` when set; unset, it is open (it names no host; see [security.md](security.md)).',
    usedBy: ['api', 'worker'],
  }),
  METRICS_PORT: variable<number | null>({
    parser: integer(0, 65535),
    default: null,
    defaultDoc: 'unset',
    doc: 'A second port serving only `GET /metrics`, on `HOST`: how a worker-only process (`npm run worker`) is scraped. The API serves `/metrics` on `PORT` anyway.',
    usedBy: ['api', 'worker'],
  }),
  LOG_LEVEL: variable({
    parser: oneOf(LOG_LEVELS),
    default: 'info',
    doc: 'JSON logs on stdout from this level up.',
    usedBy: ALL_PROCESSES,
  }),
  WORKER_ID: variable({
    parser: text,
    default: ({ hostname, pid }) => `${hostname}:${pid}`,
    defaultDoc: '`hostname:pid`',
    doc: 'Shown on the scans the worker runs and in `Query.workers`.',
    usedBy: ['worker'],
  }),
  WORKER_CONCURRENCY: variable({
    parser: integer(1, 256),
    default: 64,
    doc: "Scans run at once by one worker process; they mostly wait on the network. Also sizes a worker's database pool: a quarter of this + 8 connections, 10 to 24.",
    usedBy: ['api', 'worker'],
  }),
  WORKER_POOLS: variable({
    parser: list(POOL_PATTERN, 'pool names (a-z, 0-9, ".", "_", "-"; up to 63)'),
    default: [DEFAULT_POOL],
    doc: 'Pools whose scans this worker claims (see [operations.md](operations.md)).',
    usedBy: ['worker'],
  }),
  LEASE_MS: variable({
    parser: integer(1_000, 3_600_000),
    default: 10_000,
    doc: "A claimed scan's lease; a dead worker's scan is re-queued once it lapses. Also how long a worker's presence row stays valid.",
    usedBy: ['worker'],
  }),
  HEARTBEAT_MS: variable({
    parser: integer(100, MS_MAX),
    default: 3_000,
    doc: 'Lease renewal and cancellation check; at most half of `LEASE_MS`.',
    usedBy: ['worker'],
  }),
  REAPER_INTERVAL_MS: variable({
    parser: integer(100, MS_MAX),
    default: 2_000,
    doc: 'How often expired leases are looked for (API-only processes reap too).',
    usedBy: ['api', 'worker'],
  }),
  POLL_INTERVAL_MS: variable({
    parser: integer(100, MS_MAX),
    default: 5_000,
    doc: "Fallback poll for new scans (NOTIFY normally wakes workers; with `EVENTS_MODE=poll` this is the queue's latency).",
    usedBy: ['worker'],
  }),
  SCHEDULER_ENABLED: variable({
    parser: boolean,
    default: true,
    doc: 'Run the scheduler loop in this process, which starts the scans of due schedules. Every process may run it; the database starts each due time once (see [operations.md](operations.md#schedules)).',
    usedBy: ['api', 'worker'],
  }),
  SCHEDULER_TICK_MS: variable({
    parser: integer(100, MS_MAX),
    default: 1_000,
    doc: 'How often the scheduler looks for due schedules: a due time starts up to this much late.',
    usedBy: ['api', 'worker'],
  }),
  EVENTS_MODE: variable<EventsMode>({
    parser: oneOf(EVENTS_MODES),
    default: 'listen',
    doc: '`poll`: no LISTEN connection anywhere, for PgBouncer in transaction mode (see [operations.md](operations.md)).',
    usedBy: ['api', 'worker'],
  }),
  EVENTS_POLL_INTERVAL_MS: variable({
    parser: integer(10, MS_MAX),
    default: 500,
    doc: 'With `EVENTS_MODE=poll`: how often the API reads new events and revoked keys.',
    usedBy: ['api'],
  }),
  SUBSCRIBER_STALL_MS: variable({
    parser: integer(100, MS_MAX),
    default: 10_000,
    doc: 'A subscriber that takes no event for this long while events wait has its WebSocket closed.',
    usedBy: ['api'],
  }),
  SUBSCRIBER_MAX_PENDING: variable({
    parser: integer(10, 1_000_000),
    default: 10_000,
    doc: 'Events one subscription may have waiting before its WebSocket is closed.',
    usedBy: ['api'],
  }),
  MAX_ATTEMPTS: variable({
    parser: integer(1, 100),
    default: 3,
    doc: 'Attempts per scan (transient connect errors, lost workers), recorded on each scan when it is started.',
    usedBy: ['api'],
  }),
  SCAN_TIMEOUT_SECONDS: variable({
    parser: integer(1, 86_400),
    default: 600,
    doc: 'Scan deadline when `startScan` names none.',
    usedBy: ['api'],
  }),
  COMMAND_TIMEOUT_MS: variable({
    parser: integer(100, 3_600_000),
    default: 30_000,
    doc: 'Deadline of one probe command (the packages probe allows 60 s).',
    usedBy: ['worker'],
  }),
  MAX_OUTPUT_BYTES: variable({
    parser: integer(1024, 1024 * 1024 * 1024),
    default: 8 * 1024 * 1024,
    defaultDoc: '`8388608` (8 MiB)',
    doc: "Cap on one command's stdout and stderr together (packages: 16 MiB).",
    usedBy: ['worker'],
  }),
  SSH_CONNECT_TIMEOUT_MS: variable({
    parser: integer(100, MS_MAX),
    default: 10_000,
    doc: 'TCP connect and SSH handshake deadline.',
    usedBy: ['worker'],
  }),
  SSH_PRIVATE_KEY_PATH: variable<string | null>({
    parser: text,
    default: null,
    defaultDoc: 'unset',
    doc: 'Key used for SSH targets that name no credential.',
    usedBy: ['worker'],
  }),
  SSH_PRIVATE_KEY_PASSPHRASE: variable<string | null>({
    parser: text,
    default: null,
    defaultDoc: 'unset',
    doc: 'Its passphrase.',
    usedBy: ['worker'],
  }),
  HOST_KEY_POLICY: variable<HostKeyPolicy>({
    parser: oneOf(HOST_KEY_POLICIES),
    default: 'tofu',
    doc: '`tofu` pins a host key on first contact; `strict` requires it enrolled first (`trustHostKey`).',
    usedBy: ['worker'],
  }),
  SHUTDOWN_GRACE_MS: variable({
    parser: integer(0, 3_600_000),
    default: 30_000,
    doc: 'How long running scans may finish after the first SIGINT or SIGTERM.',
    usedBy: ['worker'],
  }),
};

export type VariableName = keyof typeof VARIABLES;

/** The parsed value of every variable. */
export type Values = {
  -readonly [K in VariableName]: (typeof VARIABLES)[K] extends Variable<infer T> ? T : never;
};
