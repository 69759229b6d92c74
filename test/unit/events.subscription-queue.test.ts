import type { SubscriptionQueueOptions } from '../../src/events/subscription-queue';
import { SlowSubscriberError, SubscriptionQueue } from '../../src/events/subscription-queue';

/** A queue on a clock the test moves by hand. */
function queue(options: Partial<SubscriptionQueueOptions> = {}) {
  const clock = { t: 0 };
  const slow: SlowSubscriberError[] = [];
  let closed = 0;
  const q = new SubscriptionQueue<number>({
    maxPending: 1_000,
    stallMs: 10_000,
    onClose: () => closed++,
    onSlow: (e) => slow.push(e),
    now: () => clock.t,
    ...options,
  });
  return { q, clock, slow, closed: () => closed };
}

describe('SubscriptionQueue', () => {
  it('hands items over in order and ends after the queued ones', async () => {
    const { q, closed } = queue();
    q.push(1);
    q.push(2);
    q.end();
    const got: number[] = [];
    for await (const n of q) got.push(n);
    expect(got).toEqual([1, 2]);
    expect(closed()).toBe(1);
  });

  it('cuts off a consumer past the hard bound at once, and says so once', async () => {
    const { q, slow, closed } = queue({ maxPending: 3 });
    for (let i = 0; i < 10; i++) q.push(i);
    await expect(q.next()).rejects.toBeInstanceOf(SlowSubscriberError);
    expect(q.closed).toBe(true);
    expect(q.pending).toBe(0);
    expect(closed()).toBe(1);
    expect(slow).toHaveLength(1);
    expect(slow[0]!.pending).toBe(3);
  });

  it('cuts off a consumer that took nothing for stallMs while events waited', () => {
    const { q, clock, slow } = queue({ stallMs: 10_000 });
    q.push(1); // the consumer is busy (no next() pending): this one waits
    clock.t = 9_999;
    q.push(2);
    expect(q.closed).toBe(false);
    clock.t = 10_000;
    q.push(3);
    expect(q.closed).toBe(true);
    expect(slow).toHaveLength(1);
    expect(slow[0]!.stalledMs).toBe(10_000);
  });

  it('keeps a consumer that keeps taking, even with a burst far above what it has taken yet', async () => {
    const { q, clock, slow } = queue({ stallMs: 1_000 });
    for (let i = 0; i < 500; i++) q.push(i);
    let taken = 0;
    // One item taken every 100 ms: slow, but never stalled for a second.
    while (taken < 500) {
      clock.t += 100;
      await q.next();
      taken++;
      q.push(taken);
    }
    expect(slow).toHaveLength(0);
    expect(q.closed).toBe(false);
  });

  it('starts the stall clock when the first event waits, not at the last take', () => {
    const { q, clock } = queue({ stallMs: 1_000 });
    clock.t = 60_000; // idle for a minute: nothing waited, nothing is stalled
    q.push(1);
    clock.t = 60_500;
    q.push(2);
    expect(q.closed).toBe(false);
  });

  it('hands over up to max waiting events at once, in order, and counts that as taking', async () => {
    const { q, clock } = queue({ stallMs: 1_000 });
    for (let i = 1; i <= 5; i++) q.push(i);
    clock.t = 900;
    expect(q.takeWaiting(3)).toEqual([1, 2, 3]);
    expect(q.pending).toBe(2);
    // The take restarted the stall clock: 900 ms later nothing is stalled yet.
    clock.t = 1_800;
    q.push(6);
    expect(q.closed).toBe(false);
    expect(q.takeWaiting(10)).toEqual([4, 5, 6]);
    expect(q.takeWaiting(10)).toEqual([]);
  });

  it('keeps a consumer that keeps up, whatever the total volume', async () => {
    const { q } = queue({ maxPending: 3 });
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      q.push(i);
      sum += (await q.next()).value as number;
    }
    expect(sum).toBe((9_999 * 10_000) / 2);
    expect(q.closed).toBe(false);
  });

  it('wakes a waiting consumer with the failure', async () => {
    const { q } = queue();
    const waiting = q.next();
    q.fail(new SlowSubscriberError(4, 0));
    await expect(waiting).rejects.toBeInstanceOf(SlowSubscriberError);
  });
});
