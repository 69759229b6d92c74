import { timingSafeEqual } from 'node:crypto';

import { registry } from './instruments';

/** The registry in Prometheus text format (0.0.4), and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Whether a request may read the metrics: always when no token is set
 * (METRICS_TOKEN unset), else only with `Authorization: Bearer <token>`,
 * compared in constant time.
 */
export function metricsAuthorized(
  authorization: string | undefined,
  token: string | null,
): boolean {
  if (token === null) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
