import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

import type { Logger } from '../logger';
import { OperationGate, type Peeked } from './operation-gate';

/** What every socket's graphql-ws context carries in `extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
  /** The socket's operations, as the gate keeps them. */
  readonly gate: OperationGate;
}

/**
 * Takes some messages of a socket before graphql-ws sees them (the shared
 * fan-out of scanProgress/scanUpdates, src/api/live-subscriptions.ts).
 */
export interface MessageIntercept<E extends SocketExtra> {
  /**
   * Deals with the message and resolves when done with it (a subscribe: when
   * the operation has ended), or returns null to leave it to graphql-ws.
   * Must not reject.
   */
  message(extra: E, message: Peeked | null): Promise<void> | null;
  /** The socket closed: end its operations. */
  closed(extra: E): void;
}

/** Ping interval; a socket whose pong does not come within as long is terminated. */
const KEEP_ALIVE_MS = 12_000;

/**
 * graphql-ws on a `ws` server, as graphql-ws's own `useServer` does it
 * (keep-alive pings, internal errors closing with 4500 and no detail), with
 * an {@link OperationGate} between each socket and graphql-ws. One timer
 * pings every socket (not one per socket): each tick terminates the sockets
 * whose pong to the previous ping has not come, then pings the rest.
 */
export function serveGraphqlWs<P extends Record<string, unknown>, E extends SocketExtra>(
  options: ServerOptions<P, E>,
  wsServer: WebSocketServer,
  extra: (base: SocketExtra) => E,
  log: Logger,
  intercept?: MessageIntercept<E>,
): { dispose(): Promise<void> } {
  const server = makeServer<P, E>(options);
  wsServer.options.handleProtocols = handleProtocols;
  const internalError = (socket: WebSocket, err: unknown) => {
    log.error({ err }, 'graphql-ws internal error');
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };
  wsServer.on('error', (err) => {
    log.error({ err }, 'WebSocket server error');
    for (const client of wsServer.clients) client.close(CloseCode.InternalServerError);
  });
  /** Sockets that owe a pong to the last ping. */
  const owing = new WeakSet<WebSocket>();
  const keepAlive = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (owing.has(socket)) {
        socket.terminate();
        continue;
      }
      owing.add(socket);
      socket.ping();
    }
  }, KEEP_ALIVE_MS);
  keepAlive.unref();
  wsServer.on('connection', (socket) => {
    socket.once('error', (err) => internalError(socket, err));
    socket.on('pong', () => owing.delete(socket));
    let onMessage: (data: string) => Promise<void> = () => Promise.resolve();
    const gate = new OperationGate(
      (data, message) =>
        intercept?.message(state, message) ??
        onMessage(data).catch((err: unknown) => internalError(socket, err)),
      (code, reason) => socket.close(code, reason),
    );
    const state = extra({ socket, gate });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN || !gate.mayShip(data)) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) => {
          onMessage = cb;
          socket.on('message', (data) => void gate.message(String(data)));
        },
      },
      state,
    );
    socket.once('close', (code, reason) => {
      intercept?.closed(state);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      clearInterval(keepAlive);
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        wsServer.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
