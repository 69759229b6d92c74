/** What the transport tests (local, SSH) share. */
import { ScanError, ScanErrorCode } from '../../src/domain/errors';
import type { ExecOptions, HostTransport } from '../../src/transport';

/** Settles `promise` and returns the ScanError it rejected with (fails if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<ScanError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ScanError);
    return e as ScanError;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Cases every HostTransport must pass the same way, declared inside the
 * caller's describe; `transport()` is read when each case runs.
 */
export function itExecsLikeEveryTransport(
  transport: () => HostTransport,
  limits: Pick<ExecOptions, 'timeoutMs' | 'maxBytes'>,
): void {
  it('does not start a command whose signal is already aborted', async () => {
    const err = await rejection(
      transport().exec('true', { ...limits, signal: AbortSignal.abort() }),
    );
    expect(err.code).toBe(ScanErrorCode.CANCELLED);
  });

  it('reports exitCode null when the command dies from a signal', async () => {
    const result = await transport().exec('kill -9 $$', limits);
    expect(result.exitCode).toBeNull();
  });
}
