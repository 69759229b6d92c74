/**
 * What the tests' two ssh2-based servers (fallback-sshd.ts, hostile-ssh-server.ts)
 * share: key parsing, the public-key check, and a loopback net.Server of our
 * own that hands each socket to ssh2 (`Server#injectSocket`) and keeps a
 * registry of the raw sockets, so a server can close every connection at
 * once (ssh2's own close waits for them) or reach a connection's socket.
 */
import { once } from 'node:events';
import net from 'node:net';

import type { AuthContext, Connection, ParsedKey } from 'ssh2';
import { Server, utils } from 'ssh2';

/** Parses an OpenSSH key (private or public line), throwing what ssh2 reports. */
export function parseKey(key: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/**
 * How a `publickey` authentication attempt stands against the one
 * `authorized` key: `query` when the client only asks whether the key would
 * do (no signature yet), `accepted` when it signed with it, else `rejected`.
 */
export function publicKeyVerdict(
  ctx: AuthContext,
  authorized: ParsedKey,
): 'accepted' | 'query' | 'rejected' {
  if (ctx.method !== 'publickey') return 'rejected';
  if (!ctx.key.data.equals(authorized.getPublicSSH())) return 'rejected';
  if (!ctx.signature) return 'query';
  if (!ctx.blob || !authorized.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return 'rejected';
  return 'accepted';
}

export interface Ssh2TestServerOptions {
  /** The host key (OpenSSH private key). */
  hostKey: string;
  /** The port to listen on (127.0.0.1). @default 0, any free port */
  port?: number;
  /** ssh2's server keepalive interval. @default ssh2's */
  keepaliveInterval?: number;
  /** Each SSH connection, with the raw socket it came on. */
  onConnection(conn: Connection, socket: net.Socket | undefined): void;
  /**
   * Each raw TCP connection before ssh2 sees it; returning false keeps it
   * from ssh2 (the caller deals with it).
   */
  onSocket?(socket: net.Socket): boolean | void;
}

export interface Ssh2TestServer {
  readonly port: number;
  /** Raw TCP connections currently open. */
  openSockets(): number;
  /** Destroys every connection and closes the listener. */
  close(): Promise<void>;
}

export async function startSsh2TestServer(options: Ssh2TestServerOptions): Promise<Ssh2TestServer> {
  const sockets = new Set<net.Socket>();
  /** Raw socket by the client's source port, to reach it from an ssh2 Connection. */
  const socketsByPort = new Map<number, net.Socket>();
  let closed = false;

  const ssh = new Server({
    hostKeys: [options.hostKey],
    ...(options.keepaliveInterval === undefined
      ? {}
      : { keepaliveInterval: options.keepaliveInterval }),
  });
  ssh.on('connection', (conn: Connection, info: { port: number }) =>
    options.onConnection(conn, socketsByPort.get(info.port)),
  );

  const listener = net.createServer((socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // A client that hangs up or resets must not crash the test process.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (socket.remotePort !== undefined && socketsByPort.get(socket.remotePort) === socket) {
        socketsByPort.delete(socket.remotePort);
      }
    });
    if (options.onSocket?.(socket) === false) return;
    if (socket.remotePort !== undefined) socketsByPort.set(socket.remotePort, socket);
    ssh.injectSocket(socket);
  });
  const failed = once(listener, 'error');
  listener.listen(options.port ?? 0, '127.0.0.1');
  await Promise.race([once(listener, 'listening'), failed]);
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no port from listener');

  return {
    port: address.port,
    openSockets: () => sockets.size,
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
