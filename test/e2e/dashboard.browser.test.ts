/**
 * The dashboard at `/` in a real browser (Debian's chromium through
 * playwright-core) against the compiled service, a real PostgreSQL and a real
 * OpenSSH sshd: sign in with a token, start a QUICK scan through the form and
 * watch its progress bar rise to COMPLETED, open its scan and host pages,
 * start a scan that hangs in its disk step and cancel it with its "Cancel"
 * button. Every request for another host is blocked and recorded; there must
 * be none. Screenshots go to test-artifacts/screenshots/.
 */
import os from 'node:os';
import path from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';

import {
  type GuardedPage,
  launchBrowser,
  missingBrowser,
  openGuardedPage,
  SCREENSHOT_DIR,
} from '../support/browser';
import { gqlOk } from '../support/graphql';
import { ADMIN_TOKEN, DELAYED_DF_USER, SLOW_USER, type Stack, startStack } from '../support/stack';

/**
 * The browser globals the functions given to page.evaluate use (they run in
 * the page; this program is compiled without the DOM library).
 */
interface El {
  getAttribute(name: string): string | null;
  closest(selector: string): El | null;
}
interface Win {
  document: {
    body: unknown;
    activeElement: unknown;
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelectorAll(selector: string): Iterable<El>;
  };
  sessionStorage: { getItem(key: string): string | null };
  MutationObserver: new (cb: () => void) => { observe(node: unknown, options: object): void };
  __progress: Record<string, number[]>;
}

/** Pixels the page is wider than the window (0 or less: no sideways scrolling). */
const overflowX = (): number => {
  const d = (globalThis as unknown as Win).document.documentElement;
  return d.scrollWidth - d.clientWidth;
};

let stack: Stack;
let browser: Browser;
let tb: GuardedPage;
let page: Page;
let origin: string;

const skip = missingBrowser();
if (skip) process.stdout.write(`[e2e] skipped: ${skip}\n`);
const describeIfBrowser = skip ? describe.skip : describe;

const setUp = async (): Promise<void> => {
  stack = await startStack({ users: ['df-delay', 'slow'], processes: ['main'] });
  origin = `http://127.0.0.1:${stack.service.port}`;
  browser = await launchBrowser();
  tb = await openGuardedPage(browser, origin, { viewport: { width: 1280, height: 900 } });
  page = tb.page;
};

const tearDown = async (): Promise<void> => {
  await tb?.close();
  await browser?.close();
  await stack?.stop();
};

const row = (id: string): Locator => page.locator(`tr[data-scan-id="${id}"]`);

/** Waits until the scan's row shows `status` as its visible status text. */
async function rowStatus(id: string, status: string, timeout = 60_000): Promise<void> {
  await row(id)
    .locator('.status', { hasText: new RegExp(`^${status}$`) })
    .waitFor({ timeout });
}

/**
 * Records every value the progress bar of each table row takes, from a
 * MutationObserver in the page: `window.__progress[scanId]` lists them in
 * order, without polling (so no value that stayed for a moment is missed).
 */
async function recordProgress(): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    const seen: Record<string, number[]> = {};
    w.__progress = seen;
    const sample = (): void => {
      for (const bar of w.document.querySelectorAll('tr[data-scan-id] [role="progressbar"]')) {
        const id = bar.closest('tr')!.getAttribute('data-scan-id')!;
        const v = Number(bar.getAttribute('aria-valuenow'));
        const list = (seen[id] ??= []);
        if (list[list.length - 1] !== v) list.push(v);
      }
    };
    new w.MutationObserver(sample).observe(w.document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
    sample();
  });
}

async function progressOf(id: string): Promise<number[]> {
  return page.evaluate((scanId) => (globalThis as unknown as Win).__progress[scanId] ?? [], id);
}

/** Fills the start form and submits it; returns the new scan's id from the confirmation. */
async function startThroughForm(fields: {
  host: string;
  port: number;
  user: string;
  type: string;
}): Promise<string> {
  await page.getByLabel('Host', { exact: true }).fill(fields.host);
  await page.getByLabel('Port', { exact: true }).fill(String(fields.port));
  await page.getByLabel('User', { exact: true }).fill(fields.user);
  await page.getByLabel('Type', { exact: true }).selectOption(fields.type);
  await page.getByRole('button', { name: 'Start scan' }).click();
  const link = page.getByRole('link', { name: 'Follow this scan' });
  await link.waitFor();
  const id = await link.getAttribute('data-scan-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id!;
}

describeIfBrowser('the dashboard at /', () => {
  beforeAll(setUp, 120_000);
  afterAll(tearDown);

  it('refuses a wrong token with a readable error, then signs in with the right one by keyboard', async () => {
    await page.goto(`${origin}/`);
    const token = page.getByLabel('Token', { exact: true });
    await token.fill('not-a-token-that-exists');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Your token was not accepted.').waitFor();
    expect(await token.getAttribute('aria-invalid')).toBe('true');

    await token.fill(ADMIN_TOKEN);
    await token.press('Enter');
    await page.getByRole('heading', { name: 'Scans', level: 1 }).waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as Win).sessionStorage.getItem('hostscan.token'),
      ),
    ).toBe(ADMIN_TOKEN);
    // The live connection (graphql-ws with the token) is up.
    await page
      .getByRole('status')
      .filter({ hasText: /^Live$/ })
      .waitFor();
  });

  it('shows an API input error under the field it belongs to', async () => {
    await page.getByLabel('Host', { exact: true }).fill('db 1.example.com');
    await page.getByRole('button', { name: 'Start scan' }).click();
    const host = page.getByLabel('Host', { exact: true });
    await page.locator('.field-error', { hasText: /^Host must be/ }).waitFor();
    expect(await host.getAttribute('aria-invalid')).toBe('true');
    // The message is what the field's aria-describedby names, and the field has the focus.
    const described = await host.getAttribute('aria-describedby');
    const text = await page.locator(`[id="${described!.split(' ').pop()}"]`).textContent();
    expect(text).toMatch(/^Host must be a host name/);
    expect(
      await host.evaluate((el) => el === (globalThis as unknown as Win).document.activeElement),
    ).toBe(true);
  });

  let quickId: string;

  it('starts a QUICK scan through the form; its progress bar rises to 100 and it shows COMPLETED', async () => {
    await recordProgress();
    // This login's df sleeps 3 s: the bar holds mid-way long enough to be seen.
    quickId = await startThroughForm({
      host: '127.0.0.1',
      port: stack.sshd.port,
      user: DELAYED_DF_USER,
      type: 'QUICK',
    });
    await rowStatus(quickId, 'COMPLETED');
    const bar = row(quickId).getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await bar.getAttribute('aria-valuemin')).toBe('0');
    expect(await bar.getAttribute('aria-valuemax')).toBe('100');
    expect(await bar.getAttribute('aria-label')).toBe(
      `Progress of the QUICK scan of 127.0.0.1:${stack.sshd.port}`,
    );

    const values = await progressOf(quickId);
    process.stdout.write(`[e2e] progress values seen in the browser: ${values.join(' → ')}\n`);
    expect(values[values.length - 1]).toBe(100);
    // Rising: never down, and at least one value between the ends.
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    expect(values.some((v) => v > 0 && v < 100)).toBe(true);
    await tb.screenshot('dashboard-scans-desktop');
  });

  it('opens the scan page with its steps and the results this machine reports', async () => {
    await row(quickId).getByRole('link', { name: 'Details' }).click();
    await page
      .getByRole('heading', { name: `QUICK scan of 127.0.0.1:${stack.sshd.port}`, level: 1 })
      .waitFor();
    const steps = page.locator('table.steps tbody tr');
    expect(await steps.locator('th').allTextContents()).toEqual([
      'os',
      'hostname',
      'uptime',
      'disk',
      'memory',
    ]);
    expect(await steps.locator('.status').allTextContents()).toEqual(Array(5).fill('SUCCEEDED'));

    const facts = async (term: string): Promise<string> =>
      (await page.locator(`dt:text-is("${term}") + dd`).first().textContent()) ?? '';
    expect(await facts('Hostname')).toBe(os.hostname());
    expect(await facts('Kernel')).toBe(os.release());
    // Disks with usage bars; the root filesystem among them.
    const root = page.getByRole('meter', { name: 'Usage of /', exact: true });
    const used = Number(await root.getAttribute('aria-valuenow'));
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(100);
    await page.getByRole('meter', { name: 'Memory used' }).waitFor();
    await tb.screenshot('dashboard-scan-desktop');
  });

  it('opens the host page with the scan in its history', async () => {
    await page
      .locator('.crumbs')
      .getByRole('link', { name: `127.0.0.1:${stack.sshd.port}` })
      .click();
    await page.getByRole('heading', { name: `127.0.0.1:${stack.sshd.port}`, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page
      .locator(`tr[data-scan-id="${quickId}"] .status`, { hasText: /^COMPLETED$/ })
      .waitFor();
    expect(await page.getByText('SHA256:').count()).toBeGreaterThan(0);
  });

  it('cancels a scan hanging in its disk step with its "Cancel" button, by keyboard', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Scans' })
      .click();
    await page.getByRole('heading', { name: 'Scans', level: 1 }).waitFor();
    const slowId = await startThroughForm({
      host: '127.0.0.1',
      port: stack.sshd.port,
      user: SLOW_USER,
      type: 'QUICK',
    });
    await rowStatus(slowId, 'RUNNING');
    // Its df sleeps a minute: wait until the row names the disk step.
    await row(slowId)
      .locator('td[data-label="Step"]', { hasText: /^disk$/ })
      .waitFor({
        timeout: 30_000,
      });

    // The README's picture: one scan finished, one running (docs/images/dashboard.png
    // is a copy of it).
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'dashboard-readme.png'),
      clip: { x: 0, y: 0, width: 1280, height: 760 },
    });

    // A second one for the same host and type is refused, with a link to the first.
    await page.getByRole('button', { name: 'Start scan' }).click();
    await page.getByText('A scan of this type is already running for this host.').waitFor();
    expect(
      await page.getByRole('link', { name: 'Open the running scan' }).getAttribute('href'),
    ).toBe(`/scans/${slowId}`);

    const cancel = row(slowId).getByRole('button', { name: 'Cancel', exact: true });
    await cancel.focus();
    await page.keyboard.press('Enter');
    await rowStatus(slowId, 'CANCELLED', 30_000);
    expect(await row(slowId).getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    // The finished QUICK scan has no Cancel button either.
    expect(await row(quickId).getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await tb.screenshot('dashboard-cancelled-desktop');
  });

  it('lists what changed on the host page once a second QUICK scan of the host finishes', async () => {
    const secondId = await startThroughForm({
      host: '127.0.0.1',
      port: stack.sshd.port,
      user: stack.sshd.username,
      type: 'QUICK',
    });
    await rowStatus(secondId, 'COMPLETED');
    await row(secondId)
      .getByRole('link', { name: `127.0.0.1:${stack.sshd.port}` })
      .click();
    await page.getByRole('heading', { name: 'What changed' }).waitFor();
    // The second scan is compared with the first (the cancelled one is no baseline).
    const set = page.locator('article.change-set').first();
    await set.waitFor();
    expect(await set.getByRole('link', { name: 'the previous scan' }).getAttribute('href')).toBe(
      `/scans/${quickId}`,
    );
    expect(await set.locator('p').first().textContent()).toMatch(
      /^(Nothing changed|\d+ changes? since) /,
    );
    await tb.screenshot('dashboard-host-desktop');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Scans' })
      .click();
  });

  it('opens a scan page from its address after a reload, still signed in', async () => {
    const response = await page.goto(`${origin}/scans/${quickId}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    await page
      .getByRole('heading', { name: `QUICK scan of 127.0.0.1:${stack.sshd.port}`, level: 1 })
      .waitFor();
    expect(await page.getByLabel('Token', { exact: true }).count()).toBe(0);
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Scans', level: 1 }).waitFor();
  });

  it('fits a 360 px wide window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByRole('heading', { name: 'Scans', level: 1 }).waitFor();
    expect(await page.evaluate(overflowX)).toBeLessThanOrEqual(0);
    // The controls keep their names in the card layout.
    await row(quickId).getByRole('progressbar').waitFor();
    await tb.screenshot('dashboard-scans-360');
    await row(quickId).getByRole('link', { name: 'Details' }).click();
    await page.getByRole('heading', { name: /^QUICK scan of/, level: 1 }).waitFor();
    expect(await page.evaluate(overflowX)).toBeLessThanOrEqual(0);
    await tb.screenshot('dashboard-scan-360');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out: the token is gone and the sign-in form is back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token', { exact: true }).waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as Win).sessionStorage.getItem('hostscan.token'),
      ),
    ).toBeNull();
  });

  it('tells a VIEWER that starting a scan needs another role', async () => {
    const created = await gqlOk<{ createApiKey: { token: string } }>(
      stack.service.httpUrl,
      ADMIN_TOKEN,
      `mutation { createApiKey(input: { name: "dashboard-viewer", role: VIEWER }) { token } }`,
    );
    await page.getByLabel('Token', { exact: true }).fill(created.createApiKey.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A VIEWER reads: the table lists the scans of this run.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Scans' })
      .click();
    await row(quickId)
      .locator('.status', { hasText: /^COMPLETED$/ })
      .waitFor();
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByRole('button', { name: 'Start scan' }).click();
    await page.getByText('Your token’s role does not allow this.').waitFor();
    expect(await page.locator('form.start-scan [aria-live]').textContent()).toContain(
      'needs an OPERATOR or ADMIN token',
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('sent no request to any other host, and the page broke no rule of its CSP', async () => {
    expect(tb.blocked).toEqual([]);
    expect(await tb.cspViolations()).toEqual([]);
    expect(tb.pageErrors).toEqual([]);
  });
});
