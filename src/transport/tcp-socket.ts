import net from 'node:net';

import { ScanError, ScanErrorCode } from '../domain/errors';
import { cancelled } from './command-run';
import { mapSocketError } from './ssh-errors';

export interface SocketOptions {
  readonly host: string;
  readonly port: number;
  /** Connect deadline, DNS included: CONNECTION_TIMEOUT (retryable) past it. */
  readonly timeoutMs: number;
  /** How messages name the host: `web1:22`. */
  readonly target: string;
  /** Aborting before the connection is made rejects with CANCELLED. */
  readonly signal?: AbortSignal;
  /** TCP_NODELAY. */
  readonly noDelay: boolean;
}

/**
 * Opens the TCP connection ourselves: ssh2 would not set TCP_NODELAY, and
 * every exec channel would then stall ~40 ms on a delayed ACK (Nagle's
 * algorithm; `npm run bench` measures both, see docs/benchmarks.md).
 */
export function openSocket(options: SocketOptions): Promise<net.Socket> {
  const { host, port, timeoutMs, target, signal, noDelay } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(noDelay);
    const timer = setTimeout(() => {
      finish(
        new ScanError(
          ScanErrorCode.CONNECTION_TIMEOUT,
          `TCP connect to ${target} timed out after ${timeoutMs} ms`,
          { retryable: true },
        ),
      );
    }, timeoutMs);
    const onError = (err: Error): void => finish(mapSocketError(err, target));
    const onConnect = (): void => finish();
    const onAbort = (): void => finish(cancelled(`connect to ${target} cancelled`));

    function finish(err?: ScanError): void {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    }

    socket.on('error', onError);
    socket.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
