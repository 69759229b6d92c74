import express from 'express';
import type pg from 'pg';

import { pendingMigrations } from '../db/migration-status';
import { toError } from '../domain/errors';
import type { EventHub } from '../events/hub';
import type { Logger } from '../logger';
import { metricsAuthorized, renderMetrics } from '../metrics';
import { withTimeout } from '../util/async';

export interface ProbeOptions {
  /** Where /readyz reads the applied migrations. */
  readonly pgPool: pg.Pool;
  /** Its LISTEN connection (listen mode) must be up for /readyz to answer 200. */
  readonly hub: Pick<EventHub, 'listening'>;
  /** METRICS_TOKEN: null, /metrics is open; else it asks `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
  readonly log: Logger;
  /**
   * Deadline of /readyz's database read; past it the answer is 503.
   * @default 2000 (ms)
   */
  readonly readyTimeoutMs?: number;
}

/** Why this process is not ready, or nothing when it is. */
export async function notReadyReasons(options: ProbeOptions): Promise<string[]> {
  const reasons: string[] = [];
  if (options.hub.listening === false) reasons.push('LISTEN connection down');
  const timeoutMs = options.readyTimeoutMs ?? 2_000;
  try {
    const pending = await withTimeout(
      pendingMigrations(options.pgPool),
      timeoutMs,
      `no answer within ${timeoutMs} ms`,
    );
    if (pending.length > 0)
      reasons.push(`${pending.length} migration${pending.length > 1 ? 's' : ''} pending`);
  } catch (e) {
    options.log.warn({ err: toError(e) }, 'readiness: reading the applied migrations failed');
    reasons.push('database unreachable');
  }
  return reasons;
}

/**
 * `GET /readyz` and `GET /metrics`, beside `/healthz`. Neither names a
 * host, a scan or a key: /readyz says only what is missing, /metrics labels
 * only by status, type, step, pool and subscription kind (docs/security.md).
 */
export function probeRoutes(options: ProbeOptions): express.Router {
  const router = express.Router();
  router.get('/readyz', async (_req, res) => {
    const reasons = await notReadyReasons(options);
    res.set('cache-control', 'no-store');
    if (reasons.length === 0) res.status(200).json({ status: 'ready' });
    else res.status(503).json({ status: 'not ready', reasons });
  });
  router.get('/metrics', async (req, res) => {
    res.set('cache-control', 'no-store');
    if (!metricsAuthorized(req.headers.authorization, options.metricsToken)) {
      res.set('www-authenticate', 'Bearer').status(401).type('text/plain');
      res.send('a bearer token (METRICS_TOKEN) is required\n');
      return;
    }
    try {
      const { contentType, body } = await renderMetrics();
      res.status(200).set('content-type', contentType).send(body);
    } catch (e) {
      options.log.warn({ err: toError(e) }, 'rendering metrics failed');
      res.status(500).type('text/plain').send('metrics unavailable\n');
    }
  });
  return router;
}
