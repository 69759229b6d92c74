import { SlowSubscriberError, SubscriptionQueue } from '../../src/events/subscription-queue';

describe('SubscriptionQueue', () => {
  it('hands items over in order and ends after the queued ones', async () => {
    const q = new SubscriptionQueue<number>(10, () => undefined);
    q.push(1);
    q.push(2);
    q.end();
    const got: number[] = [];
    for await (const n of q) got.push(n);
    expect(got).toEqual([1, 2]);
  });

  it('cuts off a consumer that lets more than the bound pile up, and says so once', async () => {
    let closed = 0;
    const q = new SubscriptionQueue<number>(3, () => closed++);
    for (let i = 0; i < 10; i++) q.push(i);
    await expect(q.next()).rejects.toBeInstanceOf(SlowSubscriberError);
    expect(q.closed).toBe(true);
    expect(closed).toBe(1);
  });

  it('keeps a consumer that keeps up, whatever the total volume', async () => {
    const q = new SubscriptionQueue<number>(3, () => undefined);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      q.push(i);
      sum += (await q.next()).value as number;
    }
    expect(sum).toBe((9_999 * 10_000) / 2);
    expect(q.closed).toBe(false);
  });

  it('wakes a waiting consumer with the failure', async () => {
    const q = new SubscriptionQueue<number>(3, () => undefined);
    const waiting = q.next();
    q.fail(new SlowSubscriberError(4));
    await expect(waiting).rejects.toBeInstanceOf(SlowSubscriberError);
  });
});
