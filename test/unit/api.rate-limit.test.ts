import { RateLimiter } from '../../src/api/rate-limit';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    const limiter = new RateLimiter(60, 3); // one token a second
    const t0 = 1_000_000;
    expect([limiter.take('k', t0), limiter.take('k', t0), limiter.take('k', t0)]).toEqual([
      0, 0, 0,
    ]);
    expect(limiter.take('k', t0)).toBe(1);
    expect(limiter.take('k', t0 + 1_000)).toBe(0);
    expect(limiter.take('k', t0 + 1_000)).toBe(1);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(1, 1);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(60);
    expect(limiter.take('b', 0)).toBe(0);
  });
});
