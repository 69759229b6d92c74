/** The subscriber let too many events pile up and was cut off. */
export class SlowSubscriberError extends Error {
  constructor(readonly pending: number) {
    super(`subscriber too slow: ${pending} events waiting`);
    this.name = 'SlowSubscriberError';
  }
}

/**
 * A bounded, single-consumer async queue. A subscriber that cannot keep up
 * is closed with an error once `maxPending` items wait, so one slow client
 * never holds memory for everyone.
 */
export class SubscriptionQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiter: ((e: Error) => void) | null = null;
  private ended = false;
  private error: Error | null = null;

  constructor(
    private readonly maxPending: number,
    private readonly onClose: () => void,
  ) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      this.failWaiter = null;
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.maxPending) {
      this.fail(new SlowSubscriberError(this.items.length));
      return;
    }
    this.items.push(item);
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
    this.onClose();
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
    this.onClose();
  }

  get closed(): boolean {
    return this.ended;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
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
