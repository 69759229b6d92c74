import { EventEmitter } from 'node:events';

import pg from 'pg';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import { sleep, withTimeout } from '../util/async';
import { delayFor, LISTEN_RECONNECT } from '../util/backoff';

export interface ListenerOptions {
  readonly connectionString: string;
  readonly channels: readonly string[];
  readonly log: Logger;
  /**
   * Interval of the health query that finds a dead connection.
   * @default 5000 (ms)
   */
  readonly healthIntervalMs?: number;
  /**
   * Deadline of connect and of the health query.
   * @default 3000 (ms)
   */
  readonly queryTimeoutMs?: number;
  /**
   * Shown in pg_stat_activity.
   * @default 'hostscan-listen'
   */
  readonly applicationName?: string;
}

/** What a {@link PgListener} emits. */
export interface PgListenerEvents {
  /** A NOTIFY on one of the channels (an empty payload when it had none). */
  notification: [channel: string, payload: string];
  /**
   * LISTEN is in place on every channel: at start (`reconnect` false) and
   * after each reconnect (true), when owners should catch up from the log.
   */
  connected: [reconnect: boolean];
}

/**
 * One dedicated LISTEN connection. It reconnects with jittered backoff after
 * any error, re-LISTENs, and emits `connected` each time it is listening
 * again, so owners can catch up from the durable log: a NOTIFY is a hint, and
 * any sent while the connection was down is lost.
 */
export class PgListener extends EventEmitter<PgListenerEvents> {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly stopController = new AbortController();
  private loop: Promise<void> | null = null;
  private connectedOnce = false;
  private listening = false;
  /** Rejects start() when the first connect or LISTEN fails. */
  private failStart: ((error: Error) => void) | null = null;

  constructor(private readonly options: ListenerOptions) {
    super();
  }

  /**
   * Whether LISTEN is in place now: false before the first connect, from the
   * moment the connection is found lost until LISTEN is back, and after stop().
   */
  get connected(): boolean {
    return this.listening;
  }

  /** Resolves once the first LISTEN is in place (or rejects if that fails). */
  async start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => {
      this.once('connected', () => resolve());
      this.failStart = reject;
    });
    this.loop = this.run();
    await first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    this.stopController.abort();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.connectAndListen();
        failures = 0;
        await this.watch();
      } catch (e) {
        this.listening = false;
        const err = toError(e);
        if (!this.connectedOnce) {
          this.failStart?.(new Error('could not LISTEN', { cause: err }));
          return;
        }
        if (this.stopped) return;
        failures++;
        this.options.log.warn({ err, failures }, 'LISTEN connection lost; reconnecting');
      }
      const old = this.client;
      this.client = null;
      old?.removeAllListeners('notification');
      await old?.end().catch(() => undefined);
      if (!this.stopped)
        // Capped low: after a database restart, owners catch up only once
        // LISTEN is back, so a long wait here is a long stall for them.
        await sleep(delayFor(LISTEN_RECONNECT, failures), this.stopController.signal);
    }
  }

  private async connectAndListen(): Promise<void> {
    const timeoutMs = this.options.queryTimeoutMs ?? 3_000;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: timeoutMs,
      application_name: this.options.applicationName ?? 'hostscan-listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    this.client = client;
    // pg emits 'error' on a client whose connection drops, also while it is
    // connecting or running LISTEN, and after watch() has had its one error:
    // with no listener that would throw and end the process. watch() and the
    // rejected queries report the failure; this only keeps it from crashing.
    client.on('error', (e) =>
      this.options.log.debug({ err: toError(e) }, 'LISTEN connection error'),
    );
    client.on('notification', (msg) => {
      this.emit('notification', msg.channel, msg.payload ?? '');
    });
    await withTimeout(client.connect(), timeoutMs + 1_000, 'LISTEN connect timed out');
    for (const channel of this.options.channels) {
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    }
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    this.listening = true;
    this.emit('connected', reconnect);
  }

  /**
   * Waits until the connection fails: an `error`/`end` event, or a health
   * query that does not answer in time (a silent black hole sends no error).
   */
  private async watch(): Promise<void> {
    const client = this.client!;
    const interval = this.options.healthIntervalMs ?? 5_000;
    const timeoutMs = this.options.queryTimeoutMs ?? 3_000;
    const failed = new Promise<never>((_, reject) => {
      client.once('error', (e) => reject(toError(e)));
      client.once('end', () => reject(new Error('LISTEN connection ended')));
    });
    failed.catch(() => undefined);
    while (!this.stopped) {
      await Promise.race([sleep(interval, this.stopController.signal), failed]);
      if (this.stopped) return;
      await Promise.race([
        withTimeout(client.query('select 1'), timeoutMs, 'LISTEN health query timed out'),
        failed,
      ]);
    }
  }
}
