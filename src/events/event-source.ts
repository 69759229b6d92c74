import type { ScanRow } from '../queue/rows';
import type { LoggedEventRow } from './log-cursor';

/**
 * The hub's side of an event source: what a source tells it, and the one
 * thing a source asks it. A source is built with the sink it reports to
 * (graphql-ws hands its handlers a `Sink` the same way).
 */
export interface EventSink {
  /** Whether any subscriber takes events of this scan; a source reads nothing for the rest. */
  follows(scanId: string): boolean;
  /** The scan logged event `seq`. A hint: the hub reads the log itself. */
  scanChanged(scanId: string, seq: number): void;
  /** New log rows of one scan, already read, in seq order, with the scan row read after them. */
  scanEvents(scan: ScanRow, events: readonly LoggedEventRow[]): void;
  /** An API key was revoked, by any process. */
  keyRevoked(keyId: string): void;
  /** Events may have been missed (LISTEN came back): catch every subscriber up from the log. */
  resync(): void;
}

/** Where the hub learns of new scan events: a LISTEN connection or a poll timer. */
export interface EventSource {
  /** Resolves once the source is watching; rejects if it cannot start. */
  start(): Promise<void>;
  /** Stops watching; resolves once no read of the source is in flight. */
  stop(): Promise<void>;
  /** A LISTEN source: whether its connection is listening now (readiness). Absent: no LISTEN. */
  readonly listening?: boolean;
}
