import os from 'node:os';
import path from 'node:path';

import { DEFAULT_POOL, POOL_PATTERN } from './domain/states';
import { parseMasterKey } from './secrets/vault';

/**
 * Runtime configuration, read from the environment once at start and validated
 * before any connection opens. Every bad variable gets its own line in the
 * error, so an operator fixes them all in one go.
 */
export interface Config {
  /** Postgres connection string. Unset: an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  /** HTTP/WebSocket port. Default 4000. */
  port: number;
  /** Listen address. Default 127.0.0.1 (set 0.0.0.0 to serve other machines). */
  host: string;
  /** Where the embedded database, generated admin token and keys live. Default `.data`. */
  dataDir: string;
  /** Accepted as an ADMIN bearer token when set. */
  adminToken: string | null;
  /**
   * Master key sealing stored credentials (32 bytes, hex or base64). Unset on
   * the embedded default: generated once into `<dataDir>/secret-key`.
   * Unset with DATABASE_URL: stored credentials are unavailable.
   */
  secretKey: string | null;
  logLevel: string;
  /** Schema introspection. Default on, off when NODE_ENV=production. */
  introspection: boolean;
  /** WebSocket Origins allowed besides the server's own host; `*` for any. Default none. */
  allowedOrigins: string[];
  /** startScan calls per API key per minute (token bucket). Default 60, burst 20. */
  startScanPerMinute: number;
  startScanBurst: number;
  events: EventsConfig;
  worker: WorkerConfig;
}

/**
 * How processes learn of new events, scans and cancellations. `listen`
 * (default): one LISTEN connection per process, woken by NOTIFY. `poll`: no
 * LISTEN at all, for PgBouncer in transaction mode; the API reads new events
 * and revoked keys every `pollIntervalMs`, workers claim on POLL_INTERVAL_MS
 * and see cancellations at the heartbeat.
 */
export interface EventsConfig {
  mode: 'listen' | 'poll';
  /** Poll mode: how often the API reads new events and revoked keys. Default 500 ms. */
  pollIntervalMs: number;
  /**
   * A subscriber whose client has taken no event for this long while events
   * wait (it stopped reading) has its WebSocket closed. Default 10000 ms.
   */
  subscriberStallMs: number;
  /** Events one subscription may have waiting before its WebSocket is closed. Default 10000. */
  subscriberMaxPending: number;
}

export interface WorkerConfig {
  /** Shown on the scans this process runs. Default `hostname:pid`. */
  workerId: string;
  /** This machine's hostname: LOCAL scans are claimed only where it matches the target. */
  hostname: string;
  /** Scans run at once by one process. Default 4. */
  concurrency: number;
  /** The pools whose scans this worker claims. Default `default`. */
  pools: string[];
  /** A claimed scan's lease; an unrenewed lease past this is reaped. Default 10000 ms. */
  leaseMs: number;
  /** Lease renewal (and cancellation check) interval. Default 3000 ms. */
  heartbeatMs: number;
  /** Fallback poll for new scans when no NOTIFY arrives. Default 5000 ms. */
  pollIntervalMs: number;
  /** Interval of the expired-lease reaper. Default 2000 ms. */
  reaperIntervalMs: number;
  /** Attempts before a scan whose worker keeps dying ends WORKER_LOST. Default 3. */
  maxAttempts: number;
  /** Default per-command deadline. Default 30000 ms. */
  commandTimeoutMs: number;
  /** Cap on one command's stdout+stderr. Default 8 MiB. */
  maxOutputBytes: number;
  /** SSH connect + handshake deadline. Default 10000 ms. */
  connectTimeoutMs: number;
  /** Scan deadline when the request names none. Default 600 s. */
  defaultScanTimeoutSeconds: number;
  /** Master key for stored credentials (see Config.secretKey); filled in at start. */
  secretKey: string | null;
  /** Private key used when a target names no credential. */
  sshPrivateKeyPath: string | null;
  sshPrivateKeyPassphrase: string | null;
  /** `tofu` pins a host key on first contact; `strict` requires it enrolled first. */
  hostKeyPolicy: 'tofu' | 'strict';
  /** Drain time for running scans on the first SIGTERM. Default 30000 ms. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string): string | null {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? null : v.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name);
    if (raw === null) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  /** A comma-separated list whose every item matches `pattern`. */
  list(name: string, fallback: string[], pattern: RegExp, what: string): string[] {
    const raw = this.str(name);
    if (raw === null) return fallback;
    const items = [...new Set(raw.split(',').map((s) => s.trim()))].filter(Boolean);
    const bad = items.filter((i) => !pattern.test(i));
    if (items.length === 0 || bad.length > 0) {
      this.problems.push(
        `${name} must be a comma-separated list of ${what}, got "${bad[0] ?? raw}"`,
      );
      return fallback;
    }
    return items;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.str(name);
    if (raw === null) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const databaseUrl = r.str('DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const adminToken = r.str('ADMIN_TOKEN');
  if (adminToken !== null && adminToken.length < 16) {
    r.problems.push('ADMIN_TOKEN must be at least 16 characters');
  }
  const secretKey = r.str('SECRET_KEY');
  if (secretKey !== null) {
    try {
      parseMasterKey(secretKey);
    } catch {
      r.problems.push('SECRET_KEY must be 32 bytes, as 64 hex characters or base64');
    }
  }
  const leaseMs = r.int('LEASE_MS', 10_000, 1_000, 3_600_000);
  const heartbeatMs = r.int('HEARTBEAT_MS', 3_000, 100, 600_000);
  if (heartbeatMs * 2 > leaseMs) {
    r.problems.push(`HEARTBEAT_MS (${heartbeatMs}) must be at most half of LEASE_MS (${leaseMs})`);
  }
  // Targets are stored lower-cased without a trailing dot; compare alike.
  const hostname = os.hostname().toLowerCase().replace(/\.$/, '');
  const config: Config = {
    databaseUrl,
    port: r.int('PORT', 4000, 0, 65535),
    host: r.str('HOST') ?? '127.0.0.1',
    dataDir: path.resolve(r.str('DATA_DIR') ?? '.data'),
    adminToken,
    secretKey,
    introspection: r.bool('INTROSPECTION', env.NODE_ENV !== 'production'),
    allowedOrigins: (r.str('ALLOWED_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    startScanPerMinute: r.int('START_SCAN_RATE_PER_MINUTE', 60, 1, 1_000_000),
    startScanBurst: r.int('START_SCAN_BURST', 20, 1, 1_000_000),
    logLevel: r.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    events: {
      mode: r.oneOf('EVENTS_MODE', ['listen', 'poll'] as const, 'listen'),
      pollIntervalMs: r.int('EVENTS_POLL_INTERVAL_MS', 500, 10, 600_000),
      subscriberStallMs: r.int('SUBSCRIBER_STALL_MS', 10_000, 100, 600_000),
      subscriberMaxPending: r.int('SUBSCRIBER_MAX_PENDING', 10_000, 10, 1_000_000),
    },
    worker: {
      workerId: r.str('WORKER_ID') ?? `${hostname}:${process.pid}`,
      hostname,
      concurrency: r.int('WORKER_CONCURRENCY', 4, 1, 256),
      pools: r.list(
        'WORKER_POOLS',
        [DEFAULT_POOL],
        POOL_PATTERN,
        'pool names (a-z, 0-9, ".", "_", "-"; up to 63)',
      ),
      leaseMs,
      heartbeatMs,
      pollIntervalMs: r.int('POLL_INTERVAL_MS', 5_000, 100, 600_000),
      reaperIntervalMs: r.int('REAPER_INTERVAL_MS', 2_000, 100, 600_000),
      maxAttempts: r.int('MAX_ATTEMPTS', 3, 1, 100),
      commandTimeoutMs: r.int('COMMAND_TIMEOUT_MS', 30_000, 100, 3_600_000),
      maxOutputBytes: r.int('MAX_OUTPUT_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      connectTimeoutMs: r.int('SSH_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
      defaultScanTimeoutSeconds: r.int('SCAN_TIMEOUT_SECONDS', 600, 1, 86_400),
      secretKey,
      sshPrivateKeyPath: r.str('SSH_PRIVATE_KEY_PATH'),
      sshPrivateKeyPassphrase: r.str('SSH_PRIVATE_KEY_PASSPHRASE'),
      hostKeyPolicy: r.oneOf('HOST_KEY_POLICY', ['tofu', 'strict'] as const, 'tofu'),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
