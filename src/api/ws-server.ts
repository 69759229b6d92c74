import type http from 'node:http';

import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

import type { Logger } from '../logger';
import { OperationGate } from './operation-gate';

/** What every socket's graphql-ws context carries in `extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: http.IncomingMessage;
  /** The socket's operations, as the gate keeps them. */
  readonly gate: OperationGate;
}

/** Ping interval; a socket whose pong does not come within as long is terminated. */
const KEEP_ALIVE_MS = 12_000;

/**
 * graphql-ws on a `ws` server, as graphql-ws's own `useServer` does it
 * (keep-alive pings, internal errors closing with 4500 and no detail), with
 * an {@link OperationGate} between each socket and graphql-ws.
 */
export function serveGraphqlWs<P extends Record<string, unknown>, E extends SocketExtra>(
  options: ServerOptions<P, E>,
  wsServer: WebSocketServer,
  extra: (base: SocketExtra) => E,
  log: Logger,
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
  wsServer.on('connection', (socket, request) => {
    socket.once('error', (err) => internalError(socket, err));
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    let onMessage: (data: string) => Promise<void> = () => Promise.resolve();
    const gate = new OperationGate((data) =>
      onMessage(data).catch((err: unknown) => internalError(socket, err)),
    );
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
      extra({ socket, request, gate }),
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        wsServer.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
