import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/util/paths';

export interface RunningService {
  port: number;
  httpUrl: string;
  wsUrl: string;
  child: ChildProcess;
  logs(): string;
  /** Waits until a log line matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** One JSON line of the service's pino log. */
export interface LogLine {
  level: number;
  msg: string;
  scanId?: string;
  attempt?: number;
  err?: { message?: string; type?: string };
  [key: string]: unknown;
}

export interface ServiceOptions {
  /** `main` (API + worker, as npm start), `api` or `worker`. */
  entry?: 'main' | 'api' | 'worker';
  env: Record<string, string | undefined>;
  /** Wait for this log message before resolving. */
  readyPattern?: RegExp;
  startTimeoutMs?: number;
}

/**
 * Runs the compiled service (dist/, built by globalSetup) as a child process,
 * the way `npm start` / `npm run api` / `npm run worker` run it.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const entry = options.entry ?? 'main';
  // PORT 0: the service binds a port the kernel picks and logs its URL, so no
  // other process can take the port between choosing it and binding it.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'info',
    PORT: '0',
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/bin', `${entry}.js`)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const service: RunningService = {
    port: 0,
    httpUrl: '',
    wsUrl: '',
    child,
    logs: () => text,
    waitForLog(pattern, timeoutMs = 30_000) {
      const m = pattern.exec(text);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `service did not log ${pattern} within ${timeoutMs} ms; log:\n${text.slice(-4000)}`,
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      // The last log lines may still be in the pipe at 'exit': wait for 'close'
      // too (bounded, in case a grandchild holds the pipe open).
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
      return code;
    },
  };
  const ready =
    options.readyPattern ??
    (entry === 'worker' ? /"msg":"worker started"/ : /"msg":"API listening"/);
  const exited = once(child, 'exit').then(() => {
    throw new Error(`service exited before it was ready; log:\n${text.slice(-4000)}`);
  });
  try {
    await Promise.race([service.waitForLog(ready, options.startTimeoutMs ?? 60_000), exited]);
    if (entry !== 'worker') {
      // The "API listening" line comes before any later ready line.
      const line = await service.waitForLog(/"url":"http:\/\/[^"]+:(\d+)\/graphql"/, 30_000);
      service.port = Number(/:(\d+)\/graphql"$/.exec(line)![1]);
      service.httpUrl = `http://127.0.0.1:${service.port}/graphql`;
      service.wsUrl = `ws://127.0.0.1:${service.port}/graphql`;
    }
  } catch (e) {
    await service.stop(2_000);
    throw e;
  }
  exited.catch(() => undefined);
  return service;
}

/** The service's JSON log lines (non-JSON lines are dropped). */
export function logLines(service: RunningService): LogLine[] {
  const out: LogLine[] = [];
  for (const line of service.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut in the middle of a write: ignore
    }
  }
  return out;
}
