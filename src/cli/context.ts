import type { Api } from './http';
import type { Io } from './progress';
import type { WsOptions } from './ws';

/** What every command gets: the API over HTTP, how to open its WebSocket, and where to write. */
export interface Context {
  api: Api;
  ws: WsOptions;
  io: Io;
}

/** Writes `value` as indented JSON on stdout. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
