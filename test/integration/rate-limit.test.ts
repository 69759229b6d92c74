/**
 * startScan's rate limit on a real PostgreSQL: token buckets in
 * `rate_limits`, shared by every API process.
 */

import { RateLimiter } from '../../src/services/rate-limit';
import { createTestDatabase, type TestDatabase, testPool } from '../support/db';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('truncate rate_limits');
});

/** Moves a bucket's last refill back, as if `seconds` had passed. */
const age = (key: string, seconds: number) =>
  db.pool.query(`update rate_limits set at = at - $2 * interval '1 second' where key = $1`, [
    key,
    seconds,
  ]);

it('allows a burst, then refuses with the whole seconds until the next token', async () => {
  const limiter = new RateLimiter(db.pool, 1, 3); // one token a minute
  const first = [await limiter.take('k'), await limiter.take('k'), await limiter.take('k')];
  expect(first).toEqual([0, 0, 0]);
  const wait = await limiter.take('k');
  expect(wait).toBeGreaterThanOrEqual(59);
  expect(wait).toBeLessThanOrEqual(60);
});

it('refills at the configured rate, up to the burst', async () => {
  const limiter = new RateLimiter(db.pool, 1, 2);
  expect([await limiter.take('r'), await limiter.take('r')]).toEqual([0, 0]);
  await age('r', 61); // one token back
  expect(await limiter.take('r')).toBe(0);
  expect(await limiter.take('r')).toBeGreaterThan(0);
  await age('r', 3_600); // an hour: capped at the burst of 2
  expect([await limiter.take('r'), await limiter.take('r')]).toEqual([0, 0]);
  expect(await limiter.take('r')).toBeGreaterThan(0);
});

it('does not spend a token on a refused call', async () => {
  const limiter = new RateLimiter(db.pool, 1, 1);
  expect(await limiter.take('s')).toBe(0);
  for (let i = 0; i < 5; i++) expect(await limiter.take('s')).toBeGreaterThan(0);
  await age('s', 61);
  expect(await limiter.take('s')).toBe(0);
});

it('keeps keys apart', async () => {
  const limiter = new RateLimiter(db.pool, 1, 1);
  expect(await limiter.take('a')).toBe(0);
  expect(await limiter.take('a')).toBeGreaterThan(0);
  expect(await limiter.take('b')).toBe(0);
});

it('shares one bucket between API processes: 60 concurrent calls through two pools take exactly the burst', async () => {
  // Two pools stand for two API processes, each with its own connections.
  const pools = [testPool(db.url, 5), testPool(db.url, 5)];
  try {
    const limiters = pools.map((p) => new RateLimiter(p, 1, 20));
    const waits = await Promise.all(
      Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.take('shared')),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(20);
    expect(waits.filter((w) => w > 0)).toHaveLength(40);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});
