import path from 'node:path';

import { defineConfig } from 'vite';

/**
 * The dashboard, built into dist/web/dashboard and served by the API at `/`
 * (src/api/web.ts). Everything it loads comes from the same origin: the
 * service's Content-Security-Policy allows 'self' only.
 */
export default defineConfig({
  root: __dirname,
  base: '/',
  // React's automatic JSX runtime, without the React plugin (no fast refresh needed).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.resolve(__dirname, '../../dist/web/dashboard'),
    emptyOutDir: true,
    // No inline script: the polyfill would be the only thing the CSP refuses.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
