import type net from 'node:net';

import type { Client, ClientChannel } from 'ssh2';

import { ScanError, ScanErrorCode, toError } from '../domain/errors';
import { cancelled, CommandRun, type CommandRunOptions } from './command-run';
import { wrapRemoteCommand } from './shell';
import { mapSsh2Error } from './ssh-errors';
import type {
  ExecOptions,
  ExecResult,
  HostTransport,
  StreamOptions,
  StreamResult,
} from './transport';

/** How long close() waits for the server to acknowledge before destroying the socket. */
const CLOSE_GRACE_MS = 2_000;

/** Installed where ssh2 may still emit after we are done with it: see connectSsh and close(). */
export function ignoreError(): void {
  // Deliberately empty.
}

/** A connected, authenticated SSH session: the HostTransport connectSsh returns. */
export class SshTransport implements HostTransport {
  private connected = true;
  private closedByUs = false;
  private closing: Promise<void> | undefined;
  /** Why the connection ended, when it was not us who ended it. */
  private lostError: ScanError | undefined;
  /** Reject functions of commands in flight, failed together when the connection drops. */
  private readonly running = new Set<(err: ScanError) => void>();

  constructor(
    private readonly client: Client,
    /** The TCP socket under `client`: see close(). */
    private readonly socket: net.Socket,
    private readonly target: string,
    readonly hostKeyFingerprint: string | null,
    private readonly signal: AbortSignal | undefined,
  ) {
    client.on('error', (err: Error) => {
      this.lostError ??= mapSsh2Error(err, target, undefined);
    });
    client.on('close', () => this.onConnectionClosed());
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => {
    void this.close();
  };

  private onConnectionClosed(): void {
    this.connected = false;
    this.signal?.removeEventListener('abort', this.onAbort);
    const err = this.connectionError();
    for (const fail of [...this.running]) fail(err);
  }

  /** The error a command gets when the connection is gone. */
  private connectionError(): ScanError {
    if (this.closedByUs) return cancelled(`connection to ${this.target} closed by the scanner`);
    return (
      this.lostError ??
      new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `connection to ${this.target} lost`, {
        retryable: true,
      })
    );
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.run(wrapRemoteCommand(command, options.timeoutMs), options);
  }

  stream(command: string, options: StreamOptions): Promise<StreamResult> {
    return this.run(command, { ...options, sink: options.onData }, options.stdin);
  }

  /** Opens an exec channel for `remoteCommand`, feeds it `stdin` if given, and drives `run`. */
  private run(
    remoteCommand: string,
    options: ExecOptions & Pick<CommandRunOptions, 'sink'>,
    stdin?: string | Buffer,
  ): Promise<ExecResult> {
    if (!this.connected || this.closedByUs) return Promise.reject(this.connectionError());
    if (options.signal?.aborted)
      return Promise.reject(cancelled('command cancelled before it started'));
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    const run = new CommandRun({
      ...options,
      label: `command on ${this.target}`,
      stop: () => {
        if (channel) stopChannel(channel);
      },
    });
    const fail = (err: ScanError): void => run.fail(err);
    this.running.add(fail);
    void run.result.then(
      () => this.running.delete(fail),
      () => this.running.delete(fail),
    );

    try {
      this.client.exec(remoteCommand, (err, ch) => {
        if (err) {
          run.fail(this.channelOpenError(err));
          return;
        }
        if (run.done) {
          // Timed out or cancelled while the server was opening the channel.
          stopChannel(ch);
          return;
        }
        channel = ch;
        ch.on('data', (chunk: Buffer) => run.data('stdout', chunk));
        ch.stderr.on('data', (chunk: Buffer) => run.data('stderr', chunk));
        ch.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        ch.on('close', () => {
          if (run.done) return;
          // ssh2 closes every open channel when the connection drops: that
          // is a lost connection, not a command that ended.
          if (!this.connected) {
            run.fail(this.connectionError());
            return;
          }
          // stdout has ended by now (ssh2 waits for it); stderr may still
          // hold a buffered chunk.
          if (ch.stderr.readableEnded) run.succeed(exitCode);
          else ch.stderr.once('end', () => run.succeed(exitCode));
        });
        if (stdin !== undefined) ch.end(stdin);
      });
    } catch (e) {
      // ssh2 throws "Not connected" synchronously when the socket just went away.
      const err = toError(e);
      run.fail(
        new ScanError(ScanErrorCode.CONNECTION_TIMEOUT, `${this.target}: ${err.message}`, {
          cause: err,
          retryable: true,
        }),
      );
    }
    return run.result;
  }

  private channelOpenError(e: unknown): ScanError {
    const err = toError(e);
    if (!this.connected) return this.connectionError();
    // Typically the server's MaxSessions limit: a later attempt may succeed.
    return new ScanError(
      ScanErrorCode.COMMAND_FAILED,
      `cannot open an exec channel on ${this.target}: ${err.message}`,
      { cause: err, retryable: true },
    );
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closedByUs = true;
      this.signal?.removeEventListener('abort', this.onAbort);
      if (!this.connected) {
        resolve();
        return;
      }
      // A server that never acknowledges the disconnect must not hold close().
      // Destroy the socket itself: ssh2's client.destroy() does nothing once
      // end() has half-closed the socket (it checks that the socket is still
      // writable), so a peer that never reads our FIN held close() forever.
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.on('error', ignoreError);
      this.client.end();
    });
    return this.closing;
  }
}

/**
 * Asks the server to TERM the command, then closes the channel. Without a pty
 * OpenSSH does not kill a command whose channel closes; TERM reaches coreutils
 * `timeout`, which passes it on to the command's process group. The remote
 * `timeout -s KILL` is the backstop where signals are not supported.
 */
function stopChannel(channel: ClientChannel): void {
  try {
    channel.signal('TERM');
  } catch {
    // The channel may already be closing; the close below is what matters.
  }
  channel.close();
}
