/** One operation graphql-ws is running on a socket. */
interface Operation {
  /** The client sent `complete` for it: nothing more of it may go out. */
  completed: boolean;
  /** A `subscribe` reusing the id, held until this operation is gone. */
  queued: { data: string; message: Peeked } | null;
}

/** A graphql-transport-ws message as the gate parsed it (handed on, so nobody parses twice). */
export interface Peeked {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}

/** `{"id":"…","type":"next"|"error"` as graphql-ws's stringifyMessage starts a frame. */
const OUTGOING = /^\{"id":("(?:[^"\\]|\\.)*"),"type":"(?:next|error)"/;

/**
 * Keeps one socket's operations consistent while a subscribe is still
 * pending. graphql-ws marks an id free as soon as the client sends
 * `complete`, even while that operation's subscribe is still resolving, so
 * `subscribe X, complete X, subscribe X` in one tick ran two operations
 * under X: every event twice, and the first one never returned (events
 * after the final `complete`). The gate sits between the socket and
 * graphql-ws: at most one operation per id runs, a `subscribe` that reuses
 * the id of a completed but still winding-down operation waits for it to
 * end (or is dropped if the client completes it first), and no `next` or
 * `error` frame of a completed operation is sent.
 */
export class OperationGate {
  private readonly ops = new Map<string, Operation>();

  /**
   * @param handle hands one message on (to graphql-ws, or to the shared
   *   fan-out for scanProgress/scanUpdates), with the gate's parse of it
   *   (null if it is not a JSON object); resolves when the message is dealt
   *   with (for a subscribe: when the operation has ended). Must not reject.
   * @param close closes the socket (a `subscribe` reusing a live id: 4409).
   */
  constructor(
    private readonly handle: (data: string, message: Peeked | null) => Promise<void>,
    private readonly close: (code: number, reason: string) => void,
  ) {}

  /** Operations running on the socket (pending, live or winding down). */
  get size(): number {
    return this.ops.size;
  }

  /** One message from the client. */
  message(data: string): Promise<void> {
    let peeked: Peeked | null = null;
    try {
      peeked = JSON.parse(data) as Peeked;
    } catch {
      // graphql-ws answers malformed messages itself.
    }
    if (typeof peeked !== 'object' || Array.isArray(peeked)) peeked = null;
    const id = typeof peeked?.id === 'string' ? peeked.id : null;
    if (id === null) return this.handle(data, peeked);
    if (peeked!.type === 'subscribe') return this.subscribe(id, data, peeked!);
    if (peeked!.type === 'complete') return this.complete(id, data, peeked!);
    return this.handle(data, peeked);
  }

  /** Whether the client completed operation `id` (nothing more of it may go out). */
  completed(id: string): boolean {
    return this.ops.get(id)?.completed === true;
  }

  /** Whether an outgoing frame may be sent (false for a completed operation's results). */
  mayShip(frame: string): boolean {
    const m = OUTGOING.exec(frame.slice(0, 256));
    if (!m) return true;
    return this.ops.get(JSON.parse(m[1]!) as string)?.completed !== true;
  }

  private subscribe(id: string, data: string, message: Peeked): Promise<void> {
    const op = this.ops.get(id);
    if (!op) return this.start(id, data, message);
    if (op.completed && op.queued === null) {
      op.queued = { data, message };
      return Promise.resolve();
    }
    // A live id reused: closed as the protocol says (and as graphql-ws does),
    // here because the operation may be one graphql-ws never saw.
    this.close(4409, `Subscriber for ${id} already exists`);
    return Promise.resolve();
  }

  private start(id: string, data: string, message: Peeked): Promise<void> {
    const op: Operation = { completed: false, queued: null };
    this.ops.set(id, op);
    return this.handle(data, message).finally(() => {
      this.ops.delete(id);
      if (op.queued !== null) void this.start(id, op.queued.data, op.queued.message);
    });
  }

  private complete(id: string, data: string, message: Peeked): Promise<void> {
    const op = this.ops.get(id);
    if (op?.queued != null) {
      // The restart never began: forget it; the first operation is completed already.
      op.queued = null;
      return Promise.resolve();
    }
    if (op) op.completed = true;
    return this.handle(data, message);
  }
}
