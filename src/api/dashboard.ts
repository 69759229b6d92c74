import path from 'node:path';

import type express from 'express';

import { PROJECT_ROOT } from '../util/paths';
import { webApp } from './web';

/**
 * The dashboard's client-side routes (web/dashboard/src/router.tsx): each is
 * answered with the same page, which then shows the view the path names.
 * Any other path keeps Express's 404.
 */
export const DASHBOARD_ROUTES = ['/', '/scans/:id', '/hosts/:hostname/:port'];

/**
 * Mounts the dashboard (built from web/dashboard into dist/web/dashboard) at
 * `/`, its files under `/assets/`. The page and its files need no token:
 * they hold nothing about hosts; everything they show comes from `/graphql`
 * with the token the user signs in with.
 */
export function mountDashboard(app: express.Express): void {
  const dashboard = webApp({
    dir: path.join(PROJECT_ROOT, 'dist/web/dashboard'),
    name: 'dashboard',
    basePath: '/',
  });
  app.use('/assets', dashboard.assets);
  app.get(DASHBOARD_ROUTES, (req, res, next) => {
    dashboard.sendPage(req, res).catch(next);
  });
}
