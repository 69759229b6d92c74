/**
 * A scriptable SSH server that misbehaves on purpose, built on ssh2's
 * `Server`. Each instance listens on a free 127.0.0.1 port with a fresh
 * ed25519 host key and plays one behaviour for every connection, so tests
 * can check that the transport ends each kind of hostile host with a typed
 * ScanError, in bounded time and memory.
 *
 * The server ignores the command it is asked to run (the transport wraps it
 * in a shell script): what it sends back depends only on the behaviour.
 */
import type net from 'node:net';

import type { AuthContext, Connection, ServerChannel } from 'ssh2';

import { sha256Fingerprint } from '../../src/transport';
import { generateSshKeyPair } from './keys';
import { parseKey, publicKeyVerdict, startSsh2TestServer } from './ssh2-test-server';

export type HostileBehaviour =
  /** Accepts TCP and never sends the SSH identification string. */
  | 'never-handshake'
  /** Opens the exec channel, then sends neither output nor exit status. */
  | 'silent'
  /** Writes output forever, as fast as the SSH window and the socket drain. */
  | 'endless'
  /** One byte per second, forever. */
  | 'drip'
  /** Writes `reply`, then closes the channel without an exit status. */
  | 'no-exit-status'
  /** Accepts `acceptChannels` session channels per connection, rejects the rest. */
  | 'refuse-channels-after'
  /** Once a command has started, stops reading and writing the socket entirely. */
  | 'black-hole-mid-command'
  /** Writes `reply` and exits with `exitCode`. */
  | 'normal';

export interface HostileServerOptions {
  behaviour: HostileBehaviour;
  /** refuse-channels-after: session channels accepted per connection. Default 1. */
  acceptChannels?: number;
  /** normal, no-exit-status (and the first line of black-hole-mid-command). Default "hello\n". */
  reply?: string;
  /** normal: exit status. Default 0. */
  exitCode?: number;
  /** endless: bytes per write. Default 32 KiB. */
  chunkBytes?: number;
  /** drip: milliseconds between bytes. Default 1000. */
  dripIntervalMs?: number;
  /**
   * OpenSSH public key line the server accepts (signature checked); any
   * other key is refused. Default: any key.
   */
  authorizedKey?: string;
}

export interface HostileServerStats {
  /** TCP connections accepted. */
  connections: number;
  /** Session channels accepted / rejected. */
  channelsAccepted: number;
  channelsRejected: number;
  /** Exec requests received. */
  execs: number;
  /** Channel data bytes handed to ssh2 (endless, drip, replies). */
  bytesSent: number;
  /** Signals the client asked for ("TERM", ...). */
  signals: string[];
  /** Exec channels that closed (by either side). */
  channelsClosed: number;
  /** Connections put into the black hole. */
  blackHoled: number;
  /** Errors ssh2 reported on server-side connections (resets, protocol errors). */
  errors: string[];
}

export interface HostileServer {
  readonly host: string;
  readonly port: number;
  readonly behaviour: HostileBehaviour;
  /** OpenSSH private key of a client key pair the server accepts. */
  readonly clientPrivateKey: string;
  readonly clientPublicKey: string;
  /** `SHA256:...` of the host key. */
  readonly hostKeyFingerprint: string;
  readonly stats: HostileServerStats;
  /** Raw TCP connections currently open. */
  openSockets(): number;
  /** Destroys every connection, stops every writer and closes the listener. */
  close(): Promise<void>;
}

const DEFAULT_REPLY = 'hello\n';

/**
 * ssh2's server pings clients every 15 s by default (and cannot be told not
 * to). An hour keeps a black-holed connection truly silent for a test's life;
 * the timer is cleared when the connection closes.
 */
const SERVER_KEEPALIVE_MS = 3_600_000;

/** How much the raw socket may hold unsent before `endless` waits for it to drain. */
const SOCKET_HIGH_WATER = 1024 * 1024;

export async function startHostileServer(options: HostileServerOptions): Promise<HostileServer> {
  const hostKey = generateSshKeyPair('ed25519');
  const clientKey = generateSshKeyPair('ed25519');
  const authorized = options.authorizedKey === undefined ? null : parseKey(options.authorizedKey);

  const stats: HostileServerStats = {
    connections: 0,
    channelsAccepted: 0,
    channelsRejected: 0,
    execs: 0,
    bytesSent: 0,
    signals: [],
    channelsClosed: 0,
    blackHoled: 0,
    errors: [],
  };
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function onConnection(conn: Connection, socket: net.Socket | undefined): void {
    // A client that hangs up or resets must not crash the test process.
    conn.on('error', (err: Error) => stats.errors.push(err.message));
    conn.on('authentication', (ctx: AuthContext) => onAuthentication(ctx));
    let sessions = 0;
    conn.on('ready', () => {
      conn.on('session', (accept, reject) => {
        sessions++;
        if (
          options.behaviour === 'refuse-channels-after' &&
          sessions > (options.acceptChannels ?? 1)
        ) {
          stats.channelsRejected++;
          reject();
          return;
        }
        stats.channelsAccepted++;
        const session = accept();
        session.on('signal', (acceptSignal, _rejectSignal, signalInfo) => {
          stats.signals.push(signalInfo.name);
          acceptSignal?.();
        });
        session.on('exec', (acceptExec) => {
          stats.execs++;
          const channel = acceptExec();
          channel.on('error', () => undefined);
          // Drain the client's side (EOF included) so 'close' can fire.
          channel.resume();
          channel.once('close', () => stats.channelsClosed++);
          play(channel, socket);
        });
      });
    });
  }

  function onAuthentication(ctx: AuthContext): void {
    if (ctx.method !== 'publickey') {
      ctx.reject(['publickey']);
      return;
    }
    // Without a key to check any key will do (no signature check): hostile
    // hosts, not auth, are under test.
    if (authorized === null || publicKeyVerdict(ctx, authorized) !== 'rejected') ctx.accept();
    else ctx.reject(['publickey']);
  }

  function later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  }

  function send(channel: ServerChannel, data: string | Buffer): boolean {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    stats.bytesSent += bytes;
    return channel.write(data);
  }

  function isOpen(channel: ServerChannel): boolean {
    return !closed && channel.writable && !channel.destroyed;
  }

  function play(channel: ServerChannel, socket: net.Socket | undefined): void {
    const reply = options.reply ?? DEFAULT_REPLY;
    switch (options.behaviour) {
      case 'normal':
      case 'refuse-channels-after':
        send(channel, reply);
        channel.exit(options.exitCode ?? 0);
        channel.end();
        return;
      case 'no-exit-status':
        send(channel, reply);
        // end() sends EOF and, in server mode, CHANNEL_CLOSE: no exit-status.
        channel.end();
        return;
      case 'silent':
      case 'never-handshake':
        // Hold the channel open and say nothing.
        return;
      case 'drip': {
        const interval = options.dripIntervalMs ?? 1000;
        const tick = (): void => {
          if (!isOpen(channel)) return;
          send(channel, '.');
          later(interval, tick);
        };
        tick();
        return;
      }
      case 'endless': {
        const chunk = Buffer.alloc(options.chunkBytes ?? 32 * 1024, 'y');
        const pump = (): void => {
          if (!isOpen(channel)) return;
          if (socket && socket.writableLength > SOCKET_HIGH_WATER) {
            socket.once('drain', pump);
            return;
          }
          if (send(channel, chunk)) setImmediate(pump);
          else channel.once('drain', pump);
        };
        pump();
        return;
      }
      case 'black-hole-mid-command':
        send(channel, reply);
        // Let the reply leave, then go dark: read nothing, write nothing.
        setImmediate(() => {
          if (!socket || closed) return;
          stats.blackHoled++;
          socket.pause();
          socket.removeAllListeners('data');
        });
        return;
    }
  }

  const server = await startSsh2TestServer({
    hostKey: hostKey.private,
    keepaliveInterval: SERVER_KEEPALIVE_MS,
    onConnection,
    onSocket(socket) {
      stats.connections++;
      if (options.behaviour !== 'never-handshake') return true;
      // Read and drop whatever the client sends, so its hang-up is noticed.
      socket.resume();
      return false;
    },
  });

  return {
    host: '127.0.0.1',
    port: server.port,
    behaviour: options.behaviour,
    clientPrivateKey: clientKey.private,
    clientPublicKey: clientKey.public,
    hostKeyFingerprint: sha256Fingerprint(parseKey(hostKey.public).getPublicSSH()),
    stats,
    openSockets: () => server.openSockets(),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
