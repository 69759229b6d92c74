import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import express from 'express';

/**
 * Serving the browser apps built from `web/<app>/` (by `npm run build:web`)
 * into `dist/web/<app>/`: an `index.html` and content-hashed files under
 * `assets/`. Nothing is fetched from anywhere but this server, and the
 * Content-Security-Policy says so to the browser.
 */
export interface WebAppOptions {
  /** The built app's folder (`dist/web/<app>`), holding `index.html` and `assets/`. */
  readonly dir: string;
  /** Named in the 503 answer when the app was not built, e.g. `playground`. */
  readonly name: string;
  /**
   * The URL path the app's files live under, ending in `/`: the page gets
   * `<base href="…">` with it, so the relative URLs Vite writes (`./assets/…`)
   * resolve there whatever page path serves index.html. `/graphql/` for the
   * playground, `/` for the dashboard.
   */
  readonly basePath: string;
}

export interface WebApp {
  /**
   * Serves `assets/*` (mount it at `${basePath}assets`): hashed names, so
   * cached for a year as immutable; an unknown name is a plain 404.
   */
  readonly assets: express.Router;
  /**
   * Answers with index.html under the strict policy of {@link contentSecurityPolicy}
   * and `Cache-Control: no-cache`; 503 (text/plain, saying how to build it)
   * when the app was not built.
   */
  sendPage(req: express.Request, res: express.Response): Promise<void>;
}

/** One year: the longest `max-age` caches honour, for files whose name changes with their content. */
const IMMUTABLE_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/** Headers every response of a web app carries. */
function commonHeaders(res: express.Response): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function webApp(options: WebAppOptions): WebApp {
  const { dir, name, basePath } = options;
  if (!basePath.startsWith('/') || !basePath.endsWith('/')) {
    throw new Error(`web app ${name}: basePath must start and end with "/" (got ${basePath})`);
  }
  const indexPath = path.join(dir, 'index.html');

  const assets = express.Router();
  assets.use(
    express.static(path.join(dir, 'assets'), {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      immutable: true,
      maxAge: IMMUTABLE_MAX_AGE_MS,
      setHeaders: (res) => commonHeaders(res),
    }),
  );
  // A stale page asking for a file of an older build, or a typo: never the
  // SPA page or a GraphQL answer in its place.
  assets.use((_req, res) => {
    commonHeaders(res);
    res.status(404).type('text/plain').send('Not found\n');
  });

  // Read again only when the file changed (a rebuild under a running server).
  let cached: { mtimeMs: number; html: string } | undefined;
  const readIndex = async (): Promise<string | null> => {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(indexPath)).mtimeMs;
    } catch {
      return null;
    }
    if (cached?.mtimeMs !== mtimeMs) {
      cached = { mtimeMs, html: await readFile(indexPath, 'utf8') };
    }
    return cached.html;
  };

  return {
    assets,
    async sendPage(req, res) {
      commonHeaders(res);
      res.vary('Accept');
      const html = await readIndex().catch(() => null);
      if (html === null) {
        res
          .status(503)
          .set('Cache-Control', 'no-store')
          .type('text/plain')
          .send(
            `The ${name} was not built: ${indexPath} is missing. ` +
              `Run \`npm run build\` (it builds web/${name} with Vite), then reload.\n`,
          );
        return;
      }
      const nonce = randomBytes(16).toString('base64');
      res
        .status(200)
        .set('Content-Security-Policy', contentSecurityPolicy(req.headers.host, nonce))
        .set('Cache-Control', 'no-cache')
        .set('X-Frame-Options', 'DENY')
        .set('Cross-Origin-Opener-Policy', 'same-origin')
        .type('text/html; charset=utf-8')
        .send(withHead(html, basePath, nonce));
    },
  };
}

/** A `Host` header we can put in a policy as is: a name or address and a port, nothing else. */
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The page's policy: everything from this origin only.
 *
 * - `connect-src` adds `ws:`/`wss:` of the same host: CSP Level 3 lets
 *   `'self'` match them, but older browsers (Safari before 15.4) do not.
 *   A `Host` that is not a plain host[:port] is left out rather than quoted.
 * - `style-src` adds a per-response nonce: Monaco (GraphiQL's editor)
 *   writes its theme and layout rules into `<style>` elements it creates at
 *   run time, which `'self'` alone refuses; the page sets the nonce on each
 *   of them (web/shared/csp-nonce.ts). This is narrower than
 *   `'unsafe-inline'`: injected markup cannot guess the nonce.
 * - `style-src-attr 'unsafe-inline'`: Monaco writes `style` attributes in
 *   the HTML it renders; an attribute can only restyle its own element, and
 *   with `img-src`/`font-src` as here it cannot reach another host.
 * - `img-src` adds `data:`: Monaco draws its squiggly error underlines as
 *   `data:` SVGs coloured from the theme at run time, so they cannot be
 *   files. A `data:` image is decoded in the browser and reaches no host.
 *   Fonts stay `'self'`: the build turns libraries' `data:` fonts into files.
 */
export function contentSecurityPolicy(host: string | undefined, nonce: string): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Puts `<base href>` and the style nonce first in `<head>`: the base so
 * relative asset URLs resolve under `basePath` from any page path, the nonce
 * (as `<meta property="csp-nonce">`, which is also where Vite's own loader
 * looks) for the styles the page's scripts create.
 */
function withHead(html: string, basePath: string, nonce: string): string {
  const head = `<base href="${basePath}"><meta property="csp-nonce" nonce="${nonce}">`;
  const at = html.search(/<head[^>]*>/i);
  if (at < 0) throw new Error('index.html has no <head>');
  const end = html.indexOf('>', at) + 1;
  return html.slice(0, end) + head + html.slice(end);
}
