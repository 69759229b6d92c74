import { type Client, type ClientOptions, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** The one startScan mutation the tests send with `{ input }`. */
export const START = `mutation Start($input: StartScanInput!) { startScan(input: $input) { scan { id status } } }`;

/** What START answers. */
export interface StartData {
  startScan: { scan: { id: string; status: string } };
}

/** A scanProgress subscription selecting `fields` (a test comparing whole events picks its own). */
export function progressDocument(fields: string): string {
  return `subscription Progress($id: ID!, $afterSeq: Int) {
  scanProgress(id: $id, afterSeq: $afterSeq) { ${fields} }
}`;
}

/** The fields PROGRESS selects. */
export const PROGRESS_FIELDS = 'seq status progress step';
export const PROGRESS = progressDocument(PROGRESS_FIELDS);

/**
 * One scanProgress payload (ScanProgressEvent in the schema). Only the fields
 * the subscription selected are present.
 */
export interface ScanEvent {
  seq: number;
  status: string;
  progress: number;
  step: string | null;
  message?: string | null;
}

/** POSTs one GraphQL operation with a bearer token. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T> };
}

/** Like gql, but fails the test on any GraphQL error. */
export async function gqlOk<T = Record<string, unknown>>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const { body } = await gql<T>(url, token, query, variables);
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** Sends START with `input` and returns the new scan's id. */
export async function startScan(
  url: string,
  token: string,
  input: Record<string, unknown>,
): Promise<string> {
  const data = await gqlOk<StartData>(url, token, START, { input });
  return data.startScan.scan.id;
}

export function wsClient(url: string, token: string | null, on?: ClientOptions['on']): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...(on ? { on } : {}),
  });
}

/**
 * Subscribes to scanUpdates on `client` and resolves with the code the
 * server closes the socket with (-1 without one), or 0 should the
 * subscription complete instead: for tests that expect a socket closed.
 */
export function closeCodeOf(client: Client): Promise<number> {
  return new Promise<number>((resolve) => {
    client.subscribe(
      { query: `subscription { scanUpdates { seq } }` },
      {
        next: () => undefined,
        error: (e) => resolve((e as { code?: number }).code ?? -1),
        complete: () => resolve(0),
      },
    );
  });
}

export interface FollowOptions {
  /** Start after this seq (the replay a reconnecting client asks for). */
  afterSeq?: number | null;
  /**
   * Where the WebSocket itself drops, subscribe again on the client this
   * returns, from the last seq seen, as a client is told to. Without it a
   * dropped socket fails the follow with the CloseEvent as it came.
   */
  resubscribe?: () => Client;
  /** The subscription's fields. @default PROGRESS_FIELDS */
  fields?: string;
  /** How long until the follow fails without a completion. @default 30000 */
  timeoutMs?: number;
  /** Called with each event as it arrives. */
  onEvent?: (event: ScanEvent) => void;
}

export interface ScanFollow {
  /** Every event so far, in arrival order. */
  readonly events: ScanEvent[];
  /** Resolves on the first event. */
  readonly first: Promise<void>;
  /** Resolves with every event once the subscription completes. */
  readonly done: Promise<ScanEvent[]>;
  /** How many times the follow subscribed again after a dropped socket. */
  reconnects(): number;
  /** Date.now() when the subscription completed. */
  completedAt(): number | undefined;
}

/** Follows one scan's scanProgress stream on `client` until it completes. */
export function followScan(client: Client, id: string, options: FollowOptions = {}): ScanFollow {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const query = progressDocument(options.fields ?? PROGRESS_FIELDS);
  const events: ScanEvent[] = [];
  let reconnects = 0;
  let completedAt: number | undefined;
  let gotFirst!: () => void;
  const first = new Promise<void>((r) => (gotFirst = r));
  const done = new Promise<ScanEvent[]>((resolve, reject) => {
    let dispose = (): void => undefined;
    const timer = setTimeout(() => {
      dispose();
      reject(
        new Error(
          `scan ${id}: subscription did not complete within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
        ),
      );
    }, timeoutMs);
    const subscribe = (on: Client, afterSeq: number | null | undefined): void => {
      const variables = afterSeq === undefined || afterSeq === null ? { id } : { id, afterSeq };
      dispose = on.subscribe<{ scanProgress: ScanEvent }>(
        { query, variables },
        {
          next: (value) => {
            if (value.errors?.length) {
              clearTimeout(timer);
              reject(new Error(`subscription errors: ${JSON.stringify(value.errors)}`));
              return;
            }
            const event = value.data!.scanProgress;
            events.push(event);
            options.onEvent?.(event);
            gotFirst();
          },
          error: (e) => {
            if (options.resubscribe) {
              // The socket went away (a CloseEvent): pick up where we were.
              reconnects++;
              void on.dispose();
              const next = options.resubscribe;
              setTimeout(() => subscribe(next(), events.at(-1)?.seq ?? null), 250);
              return;
            }
            clearTimeout(timer);
            // A CloseEvent (with its code) or GraphQL errors: hand them over as they are.
            reject(e);
          },
          complete: () => {
            completedAt = Date.now();
            clearTimeout(timer);
            resolve(events);
          },
        },
      );
    };
    subscribe(client, options.afterSeq);
  });
  // A caller waiting on `first` alone must not see an unhandled rejection.
  done.catch(() => undefined);
  return {
    events,
    first,
    done,
    reconnects: () => reconnects,
    completedAt: () => completedAt,
  };
}
