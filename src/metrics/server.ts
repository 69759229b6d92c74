import http from 'node:http';

import { toError } from '../domain/errors';
import type { Logger } from '../logger';
import { metricsAuthorized, renderMetrics } from './exposition';

export interface MetricsServerOptions {
  /** 0: a port the kernel picks (logged, and returned by start). */
  readonly port: number;
  readonly host: string;
  /** METRICS_TOKEN; null: no token asked. */
  readonly token: string | null;
  readonly log: Logger;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on a port of its own (METRICS_PORT): how a worker-only
 * process, which serves no HTTP otherwise, shows its scan and step
 * histograms and its reaper's counters. Anything else is 404; a request
 * gets 10 s, a scrape usually well under one.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { log, token } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!metricsAuthorized(req.headers.authorization, token)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('a bearer token (METRICS_TOKEN) is required\n');
      return;
    }
    renderMetrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (e: unknown) => {
        log.warn({ err: toError(e) }, 'rendering metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ url: `http://${options.host}:${port}/metrics` }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
