/**
 * A real browser for the end-to-end tests of the web apps: Debian's
 * `chromium` driven by playwright-core. Every page is opened in a context
 * that lets requests reach the service under test and nothing else: a
 * request (or WebSocket) to any other host is refused and recorded, so a
 * test can assert that the page works offline. CSP violations and page
 * errors are recorded too, and screenshots go to a git-ignored folder.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

import { PROJECT_ROOT } from '../../src/util/paths';

/** The browser: Debian's package (`apt-get install chromium`), or `HOSTSCAN_CHROMIUM`. */
export const CHROMIUM_PATH = process.env.HOSTSCAN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless, and quiet: no background fetches of its own (component updates,
 * sync, first-run pages) that would show up as requests to other hosts.
 * `--no-sandbox` because the tests run as root in a container.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots go (git-ignored): `test-artifacts/screenshots/`. */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-artifacts/screenshots');

/**
 * Null when Chromium is there; otherwise why the browser tests cannot run.
 * Under CI=true it throws instead: `.ci/run` installs it.
 */
export function missingBrowser(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `browser tests need ${CHROMIUM_PATH} (apt-get install chromium, or set HOSTSCAN_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: .ci/run provides it`);
  return reason;
}

/** Starts Chromium; fails after `timeoutMs` (ms) rather than waiting for ever. */
export function launchBrowser(timeoutMs = 60_000): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: timeoutMs,
  });
}

/** A page that may talk to one origin only, and what it tried besides. */
export interface GuardedPage {
  page: Page;
  context: BrowserContext;
  /** URLs of requests and WebSockets to any other origin, each refused. */
  blocked: string[];
  /** Content-Security-Policy violations: console reports and `securitypolicyviolation` events. */
  cspViolations(): Promise<string[]>;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Console messages of type error (CSP reports among them). */
  consoleErrors: string[];
  /** Saves a full-page PNG as `SCREENSHOT_DIR/<name>.png`; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens a fresh context (no cookies or storage) and a page in it, where only
 * `allowedOrigin` (e.g. the service's `http://127.0.0.1:PORT`) is reachable.
 * `data:` and `blob:` URLs never leave the browser and are not routed.
 */
export async function openGuardedPage(
  browser: Browser,
  allowedOrigin: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<GuardedPage> {
  const origin = new URL(allowedOrigin).origin;
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    serviceWorkers: 'block',
  });
  context.setDefaultTimeout(30_000);
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not requests to page.route: refuse other hosts' here.
  const wsOrigin = origin.replace(/^http/, 'ws');
  await context.routeWebSocket(
    (url) => url.origin !== wsOrigin,
    (ws) => {
      blocked.push(ws.url());
      void ws.close({ code: 1008, reason: 'blocked by the test' });
    },
  );
  // A string, not a function: this file is compiled without the DOM types.
  await context.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(
        e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
          ' (' + e.sourceFile + ':' + e.lineNumber + ')');
    });
  `);

  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });

  return {
    page,
    context,
    blocked,
    pageErrors,
    consoleErrors,
    async cspViolations() {
      const fromEvents = await page
        .evaluate(() => (globalThis as { __cspViolations?: string[] }).__cspViolations ?? [])
        .catch(() => [] as string[]);
      const fromConsole = consoleErrors.filter((t) => /Content Security Policy/i.test(t));
      return [...fromEvents, ...fromConsole];
    },
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => context.close(),
  };
}
