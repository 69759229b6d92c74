import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import express from 'express';

import { contentSecurityPolicy, webApp } from '../../src/api/web';

/** A web app served from `dir` at `/app/`, as src/api/playground.ts mounts one. */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const web = webApp({ dir, name: 'testapp', basePath: '/app/' });
  app.use('/app/assets', web.assets);
  app.get(['/app', '/app/*rest'], (req, res) => web.sendPage(req, res));
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('web apps (src/api/web.ts)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-web-'));
    server = await serve(dir);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with how to build it while the app is not built', async () => {
    const res = await fetch(`${server.url}/app`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toMatch(
      /testapp was not built: .*index\.html is missing.*npm run build/,
    );
  });

  it('serves index.html under a strict policy, with a base and a fresh nonce each time', async () => {
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><html><head><script type="module" src="./assets/app-abc123.js"></script></head><body></body></html>',
    );
    const pages = await Promise.all(
      [1, 2].map(() =>
        fetch(`${server.url}/app/deep/link`, { signal: AbortSignal.timeout(10_000) }),
      ),
    );
    const nonces: string[] = [];
    for (const res of pages) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = res.headers.get('content-security-policy')!;
      const directives = new Map(
        csp.split(/;\s*/).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]),
      );
      expect(directives.get('default-src')).toBe("'self'");
      expect(directives.get('script-src')).toBe("'self'");
      expect(directives.get('frame-ancestors')).toBe("'none'");
      // data: images only: Monaco's run-time SVG underlines (see contentSecurityPolicy).
      expect(directives.get('img-src')).toBe("'self' data:");
      expect(directives.get('font-src')).toBe("'self'");
      expect(csp.replace("img-src 'self' data:", '')).not.toMatch(/unsafe-eval|data:|https?:|\*/);
      // 'unsafe-inline' only for style attributes (see contentSecurityPolicy).
      expect(csp.match(/'unsafe-inline'/g)).toHaveLength(1);
      expect(directives.get('style-src-attr')).toBe("'unsafe-inline'");
      const host = new URL(server.url).host;
      expect(directives.get('connect-src')).toBe(`'self' ws://${host} wss://${host}`);
      const nonce = /'nonce-([^']+)'/.exec(directives.get('style-src')!)![1]!;
      const html = await res.text();
      expect(html).toContain(
        `<head><base href="/app/"><meta property="csp-nonce" nonce="${nonce}"><script`,
      );
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('caches hashed assets for a year and answers a plain 404 for unknown ones', async () => {
    writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log("hi");\n');
    const asset = await fetch(`${server.url}/app/assets/app-abc123.js`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("hi");\n');

    for (const missing of ['/app/assets/app-old999.js', '/app/assets/sub/']) {
      const res = await fetch(`${server.url}${missing}`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('Not found\n');
    }
  });

  it('leaves a Host header that is not a plain host:port out of the policy', () => {
    expect(contentSecurityPolicy('evil.example; script-src *', 'n')).toContain(
      "connect-src 'self';",
    );
    expect(contentSecurityPolicy('[::1]:4000', 'n')).toContain(
      "connect-src 'self' ws://[::1]:4000 wss://[::1]:4000;",
    );
  });
});
