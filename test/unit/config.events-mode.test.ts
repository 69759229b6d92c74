import { ConfigError, loadConfig } from '../../src/config';

describe('events configuration', () => {
  it('default to LISTEN and a 500 ms poll', () => {
    expect(loadConfig({}).events).toEqual({
      mode: 'listen',
      pollIntervalMs: 500,
      subscriberStallMs: 10_000,
      subscriberMaxPending: 10_000,
    });
  });

  it('accept poll mode and an interval', () => {
    expect(loadConfig({ EVENTS_MODE: 'poll', EVENTS_POLL_INTERVAL_MS: '250' }).events).toEqual({
      mode: 'poll',
      pollIntervalMs: 250,
      subscriberStallMs: 10_000,
      subscriberMaxPending: 10_000,
    });
  });

  it('accept the slow-subscriber bounds and refuse nonsense', () => {
    expect(
      loadConfig({ SUBSCRIBER_STALL_MS: '2500', SUBSCRIBER_MAX_PENDING: '500' }).events,
    ).toMatchObject({ subscriberStallMs: 2_500, subscriberMaxPending: 500 });
    expect(() => loadConfig({ SUBSCRIBER_STALL_MS: '0' })).toThrow(/SUBSCRIBER_STALL_MS/);
    expect(() => loadConfig({ SUBSCRIBER_MAX_PENDING: 'lots' })).toThrow(/SUBSCRIBER_MAX_PENDING/);
  });

  it('name each bad variable once', () => {
    let err: unknown;
    try {
      loadConfig({ EVENTS_MODE: 'notify', EVENTS_POLL_INTERVAL_MS: 'fast' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/EVENTS_MODE must be one of listen, poll, got "notify"/);
    expect(problems[1]).toMatch(/EVENTS_POLL_INTERVAL_MS must be an integer from 10/);
  });
});
