/**
 * TEMPORARY (wt-12b): a minimal stand-in for wt-12a's test/support/browser.ts,
 * replaced by theirs on merge. Launches Debian's chromium through
 * playwright-core; requests to any other host than the service are aborted
 * and recorded.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

import { PROJECT_ROOT } from '../../src/util/paths';

export const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-artifacts/screenshots');

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** URLs of requests to other hosts (all aborted). */
  offHost: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(serviceOrigin: string): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const offHost: string[] = [];
  const origin = new URL(serviceOrigin);
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.host === origin.host) return route.continue();
    offHost.push(url.toString());
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    context,
    page,
    offHost,
    async screenshot(name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => browser.close(),
  };
}
