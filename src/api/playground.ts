import path from 'node:path';

import type express from 'express';

import { PROJECT_ROOT } from '../util/paths';
import { webApp } from './web';

/**
 * The GraphQL media types a client may ask for, then HTML last: a browser's
 * `Accept` (text/html first) picks HTML, while `*\/*` (curl), `application/json`
 * and no `Accept` at all pick JSON. Apollo's own landing page decides the same way.
 */
const NEGOTIATED = [
  'application/json',
  'application/graphql-response+json',
  'multipart/mixed',
  'text/html',
];

/**
 * True for a browser opening `/graphql`: a GET (or HEAD) that prefers HTML
 * and carries no `query` parameter. A GET with `?query=` is a GraphQL request
 * whatever it accepts, and goes to Apollo like every POST.
 */
export function wantsPlayground(req: express.Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const search = req.originalUrl.indexOf('?');
  if (search >= 0 && new URLSearchParams(req.originalUrl.slice(search + 1)).has('query')) {
    return false;
  }
  return req.accepts(NEGOTIATED) === 'text/html';
}

/**
 * Mounts the GraphiQL playground (built from web/playground into
 * dist/web/playground) at `/graphql` for browsers, with its files under
 * `/graphql/assets/`. Call before the GraphQL handler is mounted: requests
 * that are not the playground's pass through to it unchanged.
 */
export function mountPlayground(app: express.Express): void {
  const playground = webApp({
    dir: path.join(PROJECT_ROOT, 'dist/web/playground'),
    name: 'playground',
    basePath: '/graphql/',
  });
  app.use('/graphql/assets', playground.assets);
  app.get('/graphql', async (req, res, next) => {
    // Caches must keep the HTML and the JSON answers of this URL apart.
    res.vary('Accept');
    if (wantsPlayground(req)) await playground.sendPage(req, res);
    else next();
  });
}
