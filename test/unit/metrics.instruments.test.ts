import {
  eventDelivered,
  leasesReaped,
  metricsAuthorized,
  registry,
  scanRequeued,
  StepClock,
} from '../../src/metrics';
import { parseScrape } from '../support/prometheus';

const page = async () => parseScrape(await registry.metrics());

beforeEach(() => registry.resetMetrics());

describe('metricsAuthorized', () => {
  const token = 'metrics-token-0123456789abcdef';

  it('lets anyone in when no token is set', () => {
    expect(metricsAuthorized(undefined, null)).toBe(true);
  });

  it('asks for exactly the bearer token when one is set', () => {
    expect(metricsAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(metricsAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(metricsAuthorized(undefined, token)).toBe(false);
    expect(metricsAuthorized(`Basic ${token}`, token)).toBe(false);
    expect(metricsAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(metricsAuthorized(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(metricsAuthorized(`Bearer ${token.replace('m', 'n')}`, token)).toBe(false);
  });
});

it('observes a step only once it was started, once', async () => {
  const clock = new StepClock();
  clock.finish(0, 'os', 'SUCCEEDED');
  expect((await page()).value('hostscan_scan_step_duration_seconds_count', { step: 'os' })).toBe(
    undefined,
  );
  clock.start(1);
  clock.finish(1, 'disk', 'FAILED');
  clock.finish(1, 'disk', 'FAILED');
  const p = await page();
  expect(
    p.value('hostscan_scan_step_duration_seconds_count', { step: 'disk', status: 'FAILED' }),
  ).toBe(1);
});

it('counts reaped leases by outcome and observes the ended scans', async () => {
  const started_at = new Date('2026-11-30T10:00:00Z');
  const completed_at = new Date('2026-11-30T10:00:04.5Z');
  leasesReaped([
    { type: 'QUICK', status: 'PENDING', started_at: null, completed_at: null },
    { type: 'FULL', status: 'FAILED', started_at, completed_at },
    { type: 'QUICK', status: 'CANCELLED', started_at, completed_at },
  ]);
  scanRequeued('retry');
  const p = await page();
  expect(p.value('hostscan_lease_expiries_total', { outcome: 'requeued' })).toBe(1);
  expect(p.value('hostscan_lease_expiries_total', { outcome: 'failed' })).toBe(1);
  expect(p.value('hostscan_lease_expiries_total', { outcome: 'cancelled' })).toBe(1);
  expect(p.value('hostscan_scan_requeues_total', { reason: 'lease_expired' })).toBe(1);
  expect(p.value('hostscan_scan_requeues_total', { reason: 'retry' })).toBe(1);
  expect(p.value('hostscan_scan_duration_seconds_sum', { type: 'FULL', status: 'FAILED' })).toBe(
    4.5,
  );
  expect(
    p.value('hostscan_scan_duration_seconds_count', { type: 'QUICK', status: 'PENDING' }),
  ).toBe(undefined);
});

it('counts a lag behind a skewed clock as 0, not as a negative figure', async () => {
  eventDelivered('scanUpdates', new Date(10_000), 9_000);
  eventDelivered('scanUpdates', new Date(10_000), 10_250);
  const p = await page();
  expect(p.value('hostscan_event_delivery_lag_seconds_sum', { subscription: 'scanUpdates' })).toBe(
    0.25,
  );
  expect(
    p.value('hostscan_event_delivery_lag_seconds_bucket', {
      subscription: 'scanUpdates',
      le: '0.005',
    }),
  ).toBe(1);
});
