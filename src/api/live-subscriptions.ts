import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';

import type { Principal } from '../auth/authenticator';
import type { ScanEvent } from '../events/scan-event';
import { SlowSubscriberError, type SubscriptionQueue } from '../events/subscription-queue';
import type { AppContext } from '../graphql/context';
import { eventRoot, hubQueueOf } from '../graphql/scan/scan-subscription.resolver';
import type { Logger } from '../logger';
import { eventDelivered } from '../metrics/instruments';
import type { DocumentCache } from './documents';
import type { Peeked } from './operation-gate';
import type { MessageIntercept, SocketExtra } from './ws-server';

/** The subscription fields served here; every other operation stays with graphql-ws. */
type LiveField = 'scanProgress' | 'scanUpdates';
const LIVE_FIELDS: ReadonlySet<string> = new Set<LiveField>(['scanProgress', 'scanUpdates']);

/** Per-socket state this module needs (websocket.ts's SocketState has it). */
export interface LiveSocket extends SocketExtra {
  /** Set by connection_init once the connection is acknowledged. */
  principal?: Principal;
  acknowledged?: boolean;
  /** The socket's operations served here, by id. */
  live?: Map<string, LiveOperation>;
}

/**
 * Subscribers that share every frame: the same document, operation name and
 * variables, seen with the same role. One execution and one serialization
 * per event serve them all.
 */
interface Group {
  readonly key: string;
  readonly document: DocumentNode;
  readonly operationName: string | null;
  /** The one root field: which live subscription this is. */
  readonly field: LiveField;
  readonly variables: Record<string, unknown> | null;
  /** Any member's principal: members differ at most in who they are, never in role. */
  readonly principal: Principal;
  members: number;
}

/** One operation served here: its hub queue (once subscribed) and its group. */
interface LiveOperation {
  queue: SubscriptionQueue<ScanEvent> | null;
}

export interface LiveSubscriptionsOptions {
  readonly schema: GraphQLSchema;
  readonly documents: DocumentCache;
  /** A subscribing operation's context; `socket` is its connection (for the slow cut-off). */
  readonly context: (principal: Principal, socket: WebSocket | null) => AppContext;
  /** Masks a result's errors as graphql-ws's onNext does for other operations. */
  readonly formatNext: (result: ExecutionResult) => ExecutionResult | FormattedExecutionResult;
  /** Operations a socket may run at once (the gate counts them all). */
  readonly maxOperationsPerSocket: number;
  readonly log: Logger;
}

/**
 * Serves `scanProgress` and `scanUpdates` over graphql-transport-ws without
 * graphql-ws's per-operation execute loop, so that fan-out costs per event
 * what it must and per subscriber only a write:
 *
 * - subscribing runs graphql-js's `createSourceEventStream` (variables,
 *   arguments, the resolver's own checks), as graphql-ws would; refusals
 *   and errors go out exactly as graphql-ws sends them;
 * - each event is executed once per group (same document, operation name,
 *   variables and role) and serialized once; every member's frame is its
 *   own `{"id":…,"type":"next","payload":` prefix before those same bytes;
 * - per subscriber there is a hub queue (its cursor lives in the hub), the
 *   socket, and a loop that awaits each write, so a client that stops
 *   reading stops taking from its queue and is cut off as before.
 *
 * Anything else (queries, mutations, other documents, refused subscribes,
 * sockets not yet acknowledged) is left to graphql-ws.
 */
export class LiveSubscriptions implements MessageIntercept<LiveSocket> {
  private readonly groups = new Map<string, Group>();
  /** Each event's serialized payload (with the frame's closing brace), per group. */
  private readonly frames = new WeakMap<ScanEvent, Map<Group, Buffer | Promise<Buffer>>>();

  constructor(private readonly options: LiveSubscriptionsOptions) {}

  /** Number of distinct groups (for tests and metrics). */
  get groupCount(): number {
    return this.groups.size;
  }

  message(state: LiveSocket, message: Peeked | null): Promise<void> | null {
    if (!message || typeof message.id !== 'string') return null;
    const id = message.id;
    if (message.type === 'complete') {
      const op = state.live?.get(id);
      if (!op) return null;
      void op.queue?.return();
      return Promise.resolve();
    }
    if (message.type !== 'subscribe' || !state.acknowledged || !state.principal) return null;
    const payload = message.payload as
      { query?: unknown; variables?: unknown; operationName?: unknown } | null | undefined;
    if (typeof payload !== 'object' || payload === null || typeof payload.query !== 'string') {
      return null;
    }
    const { variables, operationName } = payload;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return null;
    }
    if (operationName != null && typeof operationName !== 'string') return null;
    if (state.gate.size > this.options.maxOperationsPerSocket) return null;
    const prepared = this.options.documents.prepare(payload.query, operationName);
    const field = prepared.ok ? liveFieldOf(prepared.operation) : null;
    if (!prepared.ok || !field) return null;
    const op: LiveOperation = { queue: null };
    state.live ??= new Map();
    state.live.set(id, op);
    return this.run(state, id, op, {
      key: [
        state.principal.role,
        operationName ?? '',
        payload.query,
        JSON.stringify(variables ?? null),
      ].join('\u0000'),
      document: prepared.document,
      operationName: operationName ?? null,
      field,
      variables: (variables as Record<string, unknown> | null | undefined) ?? null,
      principal: state.principal,
    })
      .catch((err: unknown) => {
        this.options.log.error({ err }, 'live subscription failed');
        state.socket.close(CloseCode.InternalServerError, 'Internal server error');
      })
      .finally(() => {
        if (state.live?.get(id) === op) state.live.delete(id);
      });
  }

  closed(state: LiveSocket): void {
    for (const op of state.live?.values() ?? []) void op.queue?.return();
  }

  private async run(
    state: LiveSocket,
    id: string,
    op: LiveOperation,
    wanted: Omit<Group, 'members'>,
  ): Promise<void> {
    const { socket, gate } = state;
    const source = await createSourceEventStream({
      schema: this.options.schema,
      document: wanted.document,
      contextValue: this.options.context(wanted.principal, socket),
      variableValues: wanted.variables,
      operationName: wanted.operationName,
    });
    const gone = () => gate.completed(id) || socket.readyState !== socket.OPEN;
    if (!(Symbol.asyncIterator in source)) {
      // Refused by graphql-js or the resolver: one result, then complete.
      if (gone()) return;
      await send(
        socket,
        JSON.stringify({ id, type: 'next', payload: this.options.formatNext(source) }),
      );
      if (!gone()) await send(socket, JSON.stringify({ id, type: 'complete' }));
      return;
    }
    const queue = hubQueueOf(source);
    if (!queue) {
      await source[Symbol.asyncIterator]().return?.();
      throw new Error(`${id}: the live subscription's stream is not a hub queue`);
    }
    op.queue = queue;
    if (gone()) {
      await queue.return();
      return;
    }
    const group = this.join(wanted);
    // Delivery lag (hostscan_event_delivery_lag_seconds) counts only events
    // committed after this subscribe: not an afterSeq replay, nor the
    // "current state" event, which has no log row.
    const since = Date.now();
    const prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    try {
      for (;;) {
        const r = await queue.next();
        if (r.done) break;
        // Behind (events came faster than this socket took them): what is
        // waiting goes out with this one in a single write.
        const events = [r.value, ...queue.takeWaiting(MAX_FRAMES_PER_WRITE - 1)];
        const frames: Buffer[] = [];
        for (const event of events) {
          let frame = this.frameOf(group, event);
          if (!Buffer.isBuffer(frame)) frame = await frame;
          frames.push(Buffer.concat([prefix, frame]));
        }
        if (gone()) continue;
        await sendFrames(socket, frames);
        for (const event of events) {
          if (event.position && event.at.getTime() >= since) {
            eventDelivered(wanted.field, event.at);
          }
        }
      }
    } catch (e) {
      // Cut off for not reading: the hub's onSlow has dropped the connection.
      if (e instanceof SlowSubscriberError) return;
      throw e;
    } finally {
      await queue.return();
      this.leave(group);
    }
    if (!gone()) await send(socket, JSON.stringify({ id, type: 'complete' }));
  }

  private join(wanted: Omit<Group, 'members'>): Group {
    let group = this.groups.get(wanted.key);
    if (!group) this.groups.set(wanted.key, (group = { ...wanted, members: 0 }));
    group.members++;
    return group;
  }

  private leave(group: Group): void {
    if (--group.members === 0 && this.groups.get(group.key) === group) {
      this.groups.delete(group.key);
    }
  }

  /** The group's payload bytes for `event`: executed and serialized by the first member to ask. */
  private frameOf(group: Group, event: ScanEvent): Buffer | Promise<Buffer> {
    let byGroup = this.frames.get(event);
    if (!byGroup) this.frames.set(event, (byGroup = new Map()));
    const known = byGroup.get(group);
    if (known) return known;
    const made = this.execute(group, event).then((bytes) => {
      byGroup.set(group, bytes);
      return bytes;
    });
    byGroup.set(group, made);
    return made;
  }

  private async execute(group: Group, event: ScanEvent): Promise<Buffer> {
    // A fresh context per event and group: nested fields (steps, result) are
    // read fresh, as each subscriber's cleared loaders read them before.
    const result = await execute({
      schema: this.options.schema,
      document: group.document,
      rootValue: eventRoot(event),
      contextValue: this.options.context(group.principal, null),
      variableValues: group.variables,
      operationName: group.operationName,
    });
    return Buffer.from(`${JSON.stringify(this.options.formatNext(result))}}`);
  }
}

/**
 * The live field of a subscription whose one root field, without
 * directives, is scanProgress or scanUpdates; null for any other operation.
 */
function liveFieldOf(operation: OperationDefinitionNode): LiveField | null {
  if (operation.operation !== 'subscription' || operation.directives?.length) return null;
  const selections = operation.selectionSet.selections;
  if (selections.length !== 1) return null;
  const field = selections[0]!;
  if (field.kind !== Kind.FIELD || field.directives?.length) return null;
  return LIVE_FIELDS.has(field.name.value) ? (field.name.value as LiveField) : null;
}

/** Frames one subscriber's catch-up may put in a single write. */
const MAX_FRAMES_PER_WRITE = 64;

/**
 * Writes several frames with one system call: the socket is corked while
 * `ws` frames each (its own cork and uncork nest inside), then uncorked.
 * Resolves like `send`, once the last has been handed to the kernel.
 */
function sendFrames(socket: WebSocket, frames: readonly Buffer[]): Promise<void> {
  if (frames.length === 1) return send(socket, frames[0]!);
  if (socket.readyState !== socket.OPEN) return Promise.resolve();
  // ws keeps its net.Socket as `_socket` and offers no batch send.
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  raw?.cork();
  try {
    const sent = frames.map((f) => send(socket, f));
    return Promise.all(sent).then(() => undefined);
  } finally {
    raw?.uncork();
  }
}

/**
 * Writes one frame; resolves once `ws` has handed it to the kernel
 * (backpressure), or at once on a socket that is not open. A failed write
 * also resolves: the socket's own error handler closes it, and the loop
 * sends nothing more to a socket that is not open.
 */
function send(socket: WebSocket, data: string | Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.readyState !== socket.OPEN) return resolve();
    // A text frame, Buffer or not: graphql-transport-ws messages are text.
    socket.send(data, { binary: false }, () => resolve());
  });
}
