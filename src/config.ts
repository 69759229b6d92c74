import os from 'node:os';

import { type DefaultContext, type Values, VARIABLES } from './config/variables';
import type { EventsMode, HostKeyPolicy } from './domain/settings';

/**
 * Runtime configuration, read from the environment once at start and validated
 * before any connection opens. Every bad variable gets its own line in the
 * error, so an operator fixes them all in one go.
 *
 * Each field names the variable it comes from; that variable's default, range
 * and meaning are in `VARIABLES` (src/config/variables.ts), printed as
 * docs/configuration.md.
 */
export interface Config {
  /** `DATABASE_URL`; null: an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  /** `PORT` */
  port: number;
  /** `HOST` */
  host: string;
  /** `DATA_DIR`, as an absolute path. */
  dataDir: string;
  /** `ADMIN_TOKEN` */
  adminToken: string | null;
  /** `SECRET_KEY`, as given (null: generated on the embedded default, else unavailable). */
  secretKey: string | null;
  /** `LOG_LEVEL` */
  logLevel: string;
  /** `INTROSPECTION` */
  introspection: boolean;
  /** `ALLOWED_ORIGINS` */
  allowedOrigins: string[];
  /** `START_SCAN_RATE_PER_MINUTE` */
  startScanPerMinute: number;
  /** `START_SCAN_BURST` */
  startScanBurst: number;
  /** `START_SCAN_TARGETS_PER_MINUTE` */
  startScanTargetsPerMinute: number;
  events: EventsConfig;
  worker: WorkerConfig;
  metrics: MetricsConfig;
  scheduler: SchedulerConfig;
}

/** Where and to whom this process shows its Prometheus metrics. */
export interface MetricsConfig {
  /** `METRICS_TOKEN`; null: `/metrics` is open. */
  token: string | null;
  /** `METRICS_PORT`; null: no separate metrics server. */
  port: number | null;
}

/** The loop that starts the scans of due schedules, in every API and worker process. */
export interface SchedulerConfig {
  /** `SCHEDULER_ENABLED` */
  enabled: boolean;
  /** `SCHEDULER_TICK_MS` */
  tickMs: number;
}

/**
 * How processes learn of new events, scans and cancellations: `listen`, one
 * LISTEN connection per process, woken by NOTIFY; `poll`, no LISTEN at all
 * (PgBouncer in transaction mode): the API reads new events and revoked keys
 * every `pollIntervalMs`, workers claim on POLL_INTERVAL_MS and see
 * cancellations at the heartbeat.
 */
export interface EventsConfig {
  /** `EVENTS_MODE` */
  mode: EventsMode;
  /** `EVENTS_POLL_INTERVAL_MS` */
  pollIntervalMs: number;
  /** `SUBSCRIBER_STALL_MS` */
  subscriberStallMs: number;
  /** `SUBSCRIBER_MAX_PENDING` */
  subscriberMaxPending: number;
}

export interface WorkerConfig {
  /** `WORKER_ID` */
  workerId: string;
  /** This machine's hostname: LOCAL scans are claimed only where it matches the target. */
  hostname: string;
  /** `WORKER_CONCURRENCY` */
  concurrency: number;
  /** `WORKER_POOLS` */
  pools: string[];
  /** `LEASE_MS` */
  leaseMs: number;
  /** `HEARTBEAT_MS` */
  heartbeatMs: number;
  /** `POLL_INTERVAL_MS` */
  pollIntervalMs: number;
  /** `REAPER_INTERVAL_MS` */
  reaperIntervalMs: number;
  /** `MAX_ATTEMPTS` */
  maxAttempts: number;
  /** `COMMAND_TIMEOUT_MS` */
  commandTimeoutMs: number;
  /** `MAX_OUTPUT_BYTES` */
  maxOutputBytes: number;
  /** `SSH_CONNECT_TIMEOUT_MS` */
  connectTimeoutMs: number;
  /** `SCAN_TIMEOUT_SECONDS` */
  defaultScanTimeoutSeconds: number;
  /** Master key for stored credentials (see Config.secretKey); filled in at start. */
  secretKey: string | null;
  /** `SSH_PRIVATE_KEY_PATH` */
  sshPrivateKeyPath: string | null;
  /** `SSH_PRIVATE_KEY_PASSPHRASE` */
  sshPrivateKeyPassphrase: string | null;
  /** `HOST_KEY_POLICY` */
  hostKeyPolicy: HostKeyPolicy;
  /** `SHUTDOWN_GRACE_MS` */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads every variable of the table. A bad one is reported and replaced by its
 * default, so the checks across variables still run and report their own.
 */
function readVariables(env: Env, context: DefaultContext): { values: Values; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const raw = env[name]?.trim() ?? '';
    const parsed = raw === '' ? null : spec.parser.parse(raw);
    if (parsed?.ok) {
      values[name] = parsed.value;
      continue;
    }
    if (parsed) problems.push(`${name} ${parsed.problem}`);
    const fallback = typeof spec.default === 'function' ? spec.default(context) : spec.default;
    // A fresh array per call: a caller changing its list must not change the table.
    values[name] = Array.isArray(fallback) ? [...(fallback as unknown[])] : fallback;
  }
  return { values: values as Values, problems };
}

export function loadConfig(env: Env = process.env): Config {
  // Targets are stored lower-cased without a trailing dot; compare alike.
  const hostname = os.hostname().toLowerCase().replace(/\.$/, '');
  const { values: v, problems } = readVariables(env, { env, hostname, pid: process.pid });
  if (v.HEARTBEAT_MS * 2 > v.LEASE_MS) {
    problems.push(
      `HEARTBEAT_MS (${v.HEARTBEAT_MS}) must be at most half of LEASE_MS (${v.LEASE_MS})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl: v.DATABASE_URL,
    port: v.PORT,
    host: v.HOST,
    dataDir: v.DATA_DIR,
    adminToken: v.ADMIN_TOKEN,
    secretKey: v.SECRET_KEY,
    introspection: v.INTROSPECTION,
    allowedOrigins: v.ALLOWED_ORIGINS,
    startScanPerMinute: v.START_SCAN_RATE_PER_MINUTE,
    startScanBurst: v.START_SCAN_BURST,
    startScanTargetsPerMinute: v.START_SCAN_TARGETS_PER_MINUTE,
    logLevel: v.LOG_LEVEL,
    metrics: { token: v.METRICS_TOKEN, port: v.METRICS_PORT },
    events: {
      mode: v.EVENTS_MODE,
      pollIntervalMs: v.EVENTS_POLL_INTERVAL_MS,
      subscriberStallMs: v.SUBSCRIBER_STALL_MS,
      subscriberMaxPending: v.SUBSCRIBER_MAX_PENDING,
    },
    scheduler: { enabled: v.SCHEDULER_ENABLED, tickMs: v.SCHEDULER_TICK_MS },
    worker: {
      workerId: v.WORKER_ID,
      hostname,
      concurrency: v.WORKER_CONCURRENCY,
      pools: v.WORKER_POOLS,
      leaseMs: v.LEASE_MS,
      heartbeatMs: v.HEARTBEAT_MS,
      pollIntervalMs: v.POLL_INTERVAL_MS,
      reaperIntervalMs: v.REAPER_INTERVAL_MS,
      maxAttempts: v.MAX_ATTEMPTS,
      commandTimeoutMs: v.COMMAND_TIMEOUT_MS,
      maxOutputBytes: v.MAX_OUTPUT_BYTES,
      connectTimeoutMs: v.SSH_CONNECT_TIMEOUT_MS,
      defaultScanTimeoutSeconds: v.SCAN_TIMEOUT_SECONDS,
      secretKey: v.SECRET_KEY,
      sshPrivateKeyPath: v.SSH_PRIVATE_KEY_PATH,
      sshPrivateKeyPassphrase: v.SSH_PRIVATE_KEY_PASSPHRASE,
      hostKeyPolicy: v.HOST_KEY_POLICY,
      shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    },
  };
}
