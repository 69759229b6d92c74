import { pgPoolSizeFor } from '../../src/worker/pool-size';

it('gives a process without a worker 10 connections', () => {
  expect(pgPoolSizeFor(null)).toBe(10);
});

it('sizes a worker pool to a quarter of its concurrency plus 8, from 10 to 24', () => {
  expect(pgPoolSizeFor(1)).toBe(10);
  expect(pgPoolSizeFor(8)).toBe(10);
  expect(pgPoolSizeFor(16)).toBe(12);
  expect(pgPoolSizeFor(50)).toBe(21);
  expect(pgPoolSizeFor(64)).toBe(24);
  expect(pgPoolSizeFor(256)).toBe(24);
});

it('keeps two default workers and an API within max_connections 100', () => {
  const orm = 10;
  const listen = 2;
  const worker = pgPoolSizeFor(64) + orm + listen;
  const api = pgPoolSizeFor(null) + orm + 1;
  expect(2 * worker + api).toBeLessThanOrEqual(100);
});
