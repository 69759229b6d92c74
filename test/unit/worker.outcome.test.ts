import { ScanErrorCode, type ScanFailure } from '../../src/domain/errors';
import { ScanStatus } from '../../src/domain/states';
import {
  decideOutcome,
  type StepsEnd,
  stopFailure,
  type UnconnectedEnd,
} from '../../src/worker/outcome';

const refused: ScanFailure = { code: ScanErrorCode.CONNECTION_REFUSED, message: 'refused' };
const commandFailed: ScanFailure = { code: ScanErrorCode.COMMAND_FAILED, message: 'exit 1' };
const unsupported: ScanFailure = { code: ScanErrorCode.UNSUPPORTED_OS, message: 'not Linux' };

/** A run of 4 steps that nothing stopped; `over` changes what the test is about. */
function steps(over: Partial<StepsEnd> = {}): StepsEnd {
  return {
    connected: true,
    stop: null,
    timedOut: false,
    timeoutSeconds: 300,
    total: 4,
    succeeded: 4,
    failures: [],
    connectionFailure: null,
    ...over,
  };
}

/** An attempt (1 of 3) whose connect failed, nothing stopped. */
function unconnected(over: Partial<UnconnectedEnd> = {}): UnconnectedEnd {
  return {
    connected: false,
    stop: null,
    timedOut: false,
    timeoutSeconds: 300,
    error: { ...refused, retryable: false },
    attempt: 1,
    maxAttempts: 3,
    ...over,
  };
}

describe('decideOutcome after the steps ran', () => {
  it('completes a scan whose every step succeeded', () => {
    expect(decideOutcome(steps())).toEqual({
      kind: 'finish',
      status: ScanStatus.COMPLETED,
      progress: 100,
      failure: null,
      message: 'completed',
    });
  });

  it('ends a scan PARTIAL when some steps failed, with no scan-level error', () => {
    expect(decideOutcome(steps({ succeeded: 3, failures: [commandFailed] }))).toEqual({
      kind: 'finish',
      status: ScanStatus.PARTIAL,
      progress: 100,
      failure: null,
      message: '1 of 4 steps failed',
    });
  });

  it('puts UNSUPPORTED_OS on a PARTIAL scan', () => {
    const verdict = decideOutcome(steps({ succeeded: 2, failures: [commandFailed, unsupported] }));
    expect(verdict).toEqual({
      kind: 'finish',
      status: ScanStatus.PARTIAL,
      progress: 100,
      failure: unsupported,
      message: '2 of 4 steps failed',
    });
  });

  it('fails a scan whose every step failed, with the first failure', () => {
    const failures = [commandFailed, { ...commandFailed, message: 'exit 2' }];
    expect(decideOutcome(steps({ total: 2, succeeded: 0, failures }))).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 100,
      failure: commandFailed,
      message: 'every step failed',
    });
  });

  it('fails a scan whose every step failed with UNSUPPORTED_OS when one said so', () => {
    const failures = [commandFailed, unsupported];
    expect(decideOutcome(steps({ total: 2, succeeded: 0, failures }))).toMatchObject({
      status: ScanStatus.FAILED,
      failure: unsupported,
    });
  });

  it('fails a scan whose connection was lost mid-run, at the progress it reached', () => {
    const end = steps({ succeeded: 1, failures: [refused], connectionFailure: refused });
    expect(decideOutcome(end)).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 50,
      failure: refused,
      message: 'connection lost',
    });
  });

  it('fails a scan that ran past its timeout with SCAN_TIMEOUT', () => {
    const end = steps({ timedOut: true, timeoutSeconds: 7, succeeded: 1, failures: [] });
    const failure = { code: ScanErrorCode.SCAN_TIMEOUT, message: 'scan exceeded 7 s' };
    expect(decideOutcome(end)).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 25,
      failure,
      message: 'scan exceeded 7 s',
    });
  });

  it('ends a cancelled scan CANCELLED at the progress it reached', () => {
    const end = steps({ stop: 'cancel', succeeded: 2, failures: [commandFailed] });
    expect(decideOutcome(end)).toEqual({
      kind: 'finish',
      status: ScanStatus.CANCELLED,
      progress: 75,
      failure: { code: ScanErrorCode.CANCELLED, message: 'cancelled' },
      message: 'cancelled',
    });
  });

  it('releases the scan on shutdown, even past its timeout', () => {
    expect(decideOutcome(steps({ stop: 'shutdown', succeeded: 1 }))).toEqual({ kind: 'release' });
    expect(decideOutcome(steps({ stop: 'shutdown', timedOut: true }))).toEqual({
      kind: 'release',
    });
  });

  it('still tries the terminal write after a lost lease (its fence then refuses it)', () => {
    expect(decideOutcome(steps({ stop: 'lease-lost', succeeded: 2 }))).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 50,
      failure: { code: ScanErrorCode.INTERNAL, message: 'stopped: lease-lost' },
      message: 'stopped: lease-lost',
    });
  });

  it('writes nothing once the database is lost', () => {
    expect(decideOutcome(steps({ stop: 'database-lost' }))).toEqual({ kind: 'abandon' });
  });
});

describe('decideOutcome after a failed connect', () => {
  it('re-queues a retryable failure while attempts remain', () => {
    const end = unconnected({ error: { ...refused, retryable: true }, attempt: 2 });
    expect(decideOutcome(end)).toEqual({ kind: 'retry', failure: refused });
  });

  it('fails a retryable failure on the last attempt', () => {
    const end = unconnected({ error: { ...refused, retryable: true }, attempt: 3 });
    expect(decideOutcome(end)).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 0,
      failure: refused,
      message: 'refused',
    });
  });

  it('fails a failure no later attempt would get past', () => {
    const auth = { code: ScanErrorCode.AUTH_FAILED, message: 'denied' };
    expect(decideOutcome(unconnected({ error: { ...auth, retryable: false } }))).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 0,
      failure: auth,
      message: 'denied',
    });
  });

  it('fails with SCAN_TIMEOUT, not a retry, when the connect outlasted the scan timeout', () => {
    const end = unconnected({
      timedOut: true,
      timeoutSeconds: 5,
      error: { ...refused, retryable: true },
    });
    expect(decideOutcome(end)).toEqual({
      kind: 'finish',
      status: ScanStatus.FAILED,
      progress: 0,
      failure: { code: ScanErrorCode.SCAN_TIMEOUT, message: 'scan exceeded 5 s' },
      message: 'scan exceeded 5 s',
    });
  });

  it('ends a scan cancelled while connecting CANCELLED', () => {
    expect(decideOutcome(unconnected({ stop: 'cancel' }))).toEqual({
      kind: 'finish',
      status: ScanStatus.CANCELLED,
      progress: 0,
      failure: { code: ScanErrorCode.CANCELLED, message: 'cancelled' },
      message: 'cancelled',
    });
  });

  it('releases the scan on shutdown', () => {
    const end = unconnected({ stop: 'shutdown', error: { ...refused, retryable: true } });
    expect(decideOutcome(end)).toEqual({ kind: 'release' });
  });

  it('writes nothing after a lost lease or a lost database', () => {
    expect(decideOutcome(unconnected({ stop: 'lease-lost' }))).toEqual({ kind: 'abandon' });
    expect(decideOutcome(unconnected({ stop: 'database-lost' }))).toEqual({ kind: 'abandon' });
  });
});

describe('stopFailure', () => {
  it('names the timeout first, then a cancel, then any other stop', () => {
    const base = { stop: null, timedOut: false, timeoutSeconds: 9 };
    expect(stopFailure(base)).toBeNull();
    expect(stopFailure({ ...base, stop: 'cancel', timedOut: true })?.code).toBe(
      ScanErrorCode.SCAN_TIMEOUT,
    );
    expect(stopFailure({ ...base, stop: 'cancel' })?.code).toBe(ScanErrorCode.CANCELLED);
    expect(stopFailure({ ...base, stop: 'shutdown' })).toEqual({
      code: ScanErrorCode.INTERNAL,
      message: 'stopped: shutdown',
    });
  });
});
