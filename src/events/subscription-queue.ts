/** The subscriber stopped taking events and was cut off. */
export class SlowSubscriberError extends Error {
  constructor(
    readonly pending: number,
    readonly stalledMs: number,
  ) {
    super(
      `subscriber too slow: ${pending} events waiting, none taken for ${Math.round(stalledMs)} ms`,
    );
    this.name = 'SlowSubscriberError';
  }
}

export interface SubscriptionQueueOptions {
  /**
   * Hard bound on waiting events: past it the subscriber is cut off at once,
   * whatever its pace. Events are shared between subscribers, so a slot costs
   * a reference, not a copy.
   */
  maxPending: number;
  /**
   * A subscriber with events waiting that has taken none for this long is cut
   * off. graphql-ws awaits each send, and a send completes only when the
   * socket drains, so a client that stopped reading stops taking. A healthy
   * client handed a burst keeps taking and is never cut off below maxPending.
   */
  stallMs: number;
  /** Called once when the queue closes, for any reason. */
  onClose: () => void;
  /**
   * Called once when the subscriber is cut off. The consumer cannot be told
   * through the queue: it is stuck in a send that will not complete.
   */
  onSlow?: (error: SlowSubscriberError) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A bounded, single-consumer async queue between the event hub and one
 * subscription. One slow client never holds memory for everyone, and a
 * client that stops reading is cut off (see `stallMs`).
 */
export class SubscriptionQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiter: ((e: Error) => void) | null = null;
  private ended = false;
  private error: Error | null = null;
  /** When the consumer last took an item, or the first of the waiting ones arrived. */
  private progressAt: number;
  private readonly now: () => number;

  constructor(private readonly options: SubscriptionQueueOptions) {
    this.now = options.now ?? (() => performance.now());
    this.progressAt = this.now();
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      this.failWaiter = null;
      this.progressAt = this.now();
      w({ value: item, done: false });
      return;
    }
    const now = this.now();
    if (this.items.length === 0) {
      // The consumer is busy with the previous item; the clock starts now.
      this.progressAt = now;
    } else {
      const stalledMs = now - this.progressAt;
      if (this.items.length >= this.options.maxPending || stalledMs >= this.options.stallMs) {
        const error = new SlowSubscriberError(this.items.length, stalledMs);
        this.fail(error);
        this.options.onSlow?.(error);
        return;
      }
    }
    this.items.push(item);
  }

  /**
   * Takes up to `max` of the events already waiting, without waiting for
   * more (a consumer that fell behind sends them together).
   */
  takeWaiting(max: number): T[] {
    const taken = this.items.splice(0, Math.max(0, max));
    if (taken.length > 0) this.progressAt = this.now();
    return taken;
  }

  /** Events waiting to be taken. */
  get pending(): number {
    return this.items.length;
  }

  /** Ends the stream after the items already queued. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
    this.options.onClose();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.items.length = 0;
    this.ended = true;
    if (this.failWaiter) {
      const f = this.failWaiter;
      this.waiter = null;
      this.failWaiter = null;
      f(error);
    }
    this.options.onClose();
  }

  get closed(): boolean {
    return this.ended;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) {
      this.progressAt = this.now();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
