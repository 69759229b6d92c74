import { createHash } from 'node:crypto';

import type { Plugin, UserConfig } from 'vite';

/**
 * The build settings every app under web/ shares. Each app builds to
 * `dist/web/<app>/`, which src/api/web.ts serves: index.html plus hashed
 * files under `assets/`.
 *
 * - `base: './'`: asset URLs are relative, so the server decides the mount
 *   path (it adds a `<base href>` to index.html).
 * - `assetsInlineLimit: 0`: nothing becomes a `data:` URL, which the
 *   Content-Security-Policy (`'self'` only) would refuse.
 * - No `modulePreload` polyfill: it is an inline script in some setups, and
 *   every browser the apps target has `<link rel="modulepreload">`.
 */
export function webAppConfig(app: string): UserConfig {
  return {
    base: './',
    // Paths below are relative to the app's folder, which `vite build` is given.
    publicDir: false,
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: `../../dist/web/${app}`,
      emptyOutDir: true,
      assetsDir: 'assets',
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
      chunkSizeWarningLimit: 8_000,
      reportCompressedSize: false,
      rolldownOptions: {
        onwarn(warning, warn) {
          // React libraries' "use client" markers mean nothing in a browser bundle.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
      },
    },
    plugins: [dataUrlsToFiles()],
    worker: { format: 'es' },
    logLevel: 'warn',
  };
}

const DATA_URL =
  /url\(\s*(["']?)data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)\1\s*\)/gi;

const EXTENSIONS: Record<string, string> = {
  'font/woff': 'woff',
  'font/woff2': 'woff2',
  'font/ttf': 'ttf',
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'image/gif': 'gif',
};

/**
 * Moves the `data:` URLs that libraries' CSS carries (GraphiQL's fonts,
 * Monaco's icons) into files beside the CSS, so the policy can keep
 * `font-src` and `img-src` at `'self'` without `data:`. Each file is named
 * by its content hash, like every other asset.
 */
function dataUrlsToFiles(): Plugin {
  return {
    name: 'hostscan:data-urls-to-files',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const asset of Object.values(bundle)) {
        if (asset.type !== 'asset' || !asset.fileName.endsWith('.css')) continue;
        const css =
          typeof asset.source === 'string'
            ? asset.source
            : Buffer.from(asset.source).toString('utf8');
        asset.source = css.replace(
          DATA_URL,
          (whole, _quote: string, mime: string, base64: string) => {
            const ext = EXTENSIONS[mime.toLowerCase()];
            if (!ext) return whole;
            const bytes = Buffer.from(base64, 'base64');
            const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
            const fileName = `assets/inline-${hash}.${ext}`;
            if (!bundle[fileName]) this.emitFile({ type: 'asset', fileName, source: bytes });
            // The CSS file is in assets/ too.
            return `url(./inline-${hash}.${ext})`;
          },
        );
      }
    },
  };
}
