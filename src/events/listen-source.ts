import { PgListener } from '../db/listener';
import type { Logger } from '../logger';
import type { EventSink, EventSource } from './event-source';

export interface ListenSourceOptions {
  readonly connectionString: string;
  readonly log: Logger;
  readonly sink: EventSink;
}

/**
 * Listen mode: one LISTEN connection on `scan_events` and `api_key_revoked`.
 * A scan_events NOTIFY carries `{ scanId, seq }` and is only a hint; any sent
 * while the connection was down are lost, hence a resync after a reconnect.
 */
export class ListenSource implements EventSource {
  private readonly listener: PgListener;
  private readonly log: Logger;
  private readonly sink: EventSink;

  constructor(options: ListenSourceOptions) {
    this.log = options.log;
    this.sink = options.sink;
    this.listener = new PgListener({
      connectionString: options.connectionString,
      channels: ['scan_events', 'api_key_revoked'],
      log: this.log,
      applicationName: 'hostscan-api-listen',
    });
    this.listener.on('notification', (channel, payload) => {
      if (channel === 'api_key_revoked') this.sink.keyRevoked(payload);
      else this.onScanEvent(payload);
    });
    this.listener.on('connected', (reconnect) => {
      if (reconnect) this.sink.resync();
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  get listening(): boolean {
    return this.listener.connected;
  }

  private onScanEvent(payload: string): void {
    let scanId: string;
    let seq: number;
    try {
      ({ scanId, seq } = JSON.parse(payload) as { scanId: string; seq: number });
    } catch {
      this.log.warn({ payload }, 'ignoring a malformed scan_events payload');
      return;
    }
    if (typeof scanId !== 'string' || !Number.isInteger(seq)) return;
    this.sink.scanChanged(scanId, seq);
  }
}
