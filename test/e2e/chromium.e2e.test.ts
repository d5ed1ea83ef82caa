import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './support/chromium.ts';
import { startControlCookieServer } from './support/controlCookieServer.ts';
import { startStack, type Stack } from './support/stack.ts';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../docs/screenshots');

let stack: Stack;
let browser: Browser;
let page: Page;
let widgetResponses: Response[];
let dialogs: string[];
let consoleErrors: string[];

beforeAll(async () => {
  stack = await startStack({ SESSION_TTL: '12', CLOCK_SKEW: '0' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

beforeEach(async () => {
  page = await browser.context.newPage();
  widgetResponses = [];
  dialogs = [];
  consoleErrors = [];
  page.on('response', (r) => {
    if (r.url().startsWith(stack.widgetUrl)) widgetResponses.push(r);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  // Counts CSP violations in every frame, the widget's included.
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

async function openHarness(options: { user?: string; ctx?: string; theme?: string; width?: string } = {}): Promise<Frame> {
  await page.goto(stack.harnessUrl);
  if (options.user || options.ctx || options.theme || options.width) {
    if (options.user) await page.selectOption('#user', { label: options.user });
    if (options.ctx) await page.selectOption('#ctx', options.ctx);
    if (options.theme) await page.selectOption('#theme', options.theme);
    if (options.width) await page.selectOption('#width', options.width);
    await page.click('#launch');
  }
  const frameElement = page.locator('#widget iframe');
  await page.frameLocator('#widget iframe').locator('[data-testid=user-name]').waitFor({ timeout: 15_000 });
  const frame = await (await frameElement.elementHandle())!.contentFrame();
  return frame!;
}

describe('the browser really blocks third-party cookies', () => {
  it('sends a cookie top-level but not from a cross-site iframe', async () => {
    const control = await startControlCookieServer();
    try {
      await page.goto(`${control.url}/set`);
      await page.goto(`${control.url}/echo`);
      expect(await page.textContent('#cookie')).toBe('present');
      await page.goto(control.framingUrl);
      const frame = await (await page.locator('#control').elementHandle())!.contentFrame();
      await frame!.waitForSelector('#cookie');
      expect(await frame!.textContent('#cookie')).toBe('absent');
    } finally {
      await control.close();
      // Cookies ignore ports: the control cookie must not count against the widget on localhost.
      await browser.context.clearCookies();
    }
  });
});

describe('the widget in a cross-site iframe', () => {
  it('launches through the host SDK and shows the signed-in user', async () => {
    const frame = await openHarness();
    expect(new URL(frame.url()).origin).toBe(stack.widgetUrl);
    expect(new URL(page.url()).hostname).toBe('127.0.0.1');
    expect(await frame.textContent('[data-testid=user-name]')).toBe('Alice Example');
    // The launch token travelled in a POST body, not in the frame's URL.
    expect(frame.url()).not.toContain('jwt=');
  });

  it('never sets or sends a cookie', async () => {
    const frame = await openHarness();
    expect(await frame.evaluate(() => document.cookie)).toBe('');
    expect(widgetResponses.length).toBeGreaterThan(2);
    for (const response of widgetResponses) {
      expect(await response.headerValue('set-cookie')).toBeNull();
      expect(await response.request().headerValue('cookie')).toBeNull();
    }
    const cookies = await browser.context.cookies([stack.widgetUrl]);
    expect(cookies).toEqual([]);
  });

  it('keeps hostile display names inert and reports no CSP violation on the happy path', async () => {
    const frame = await openHarness({ user: 'Mallory, hostile name (mallory)' });
    expect(await frame.textContent('[data-testid=user-name]')).toBe('<img src=x onerror=alert(1)>"</script>');
    expect(await frame.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await frame.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });

  it('cannot be framed by an origin the tenant did not register', async () => {
    // The harness page's own origin is registered; the same page on another port is not.
    const evil = stack.harnessUrl.replace('127.0.0.1', 'localhost');
    const blocked: string[] = [];
    page.on('console', (m) => blocked.push(m.text()));
    await page.goto(evil);
    await page.waitForTimeout(1500);
    const frame = await (await page.locator('#widget iframe').elementHandle())!.contentFrame();
    expect(await frame!.locator('[data-testid=user-name]').count()).toBe(0);
    expect(blocked.some((text) => /frame-ancestors/.test(text))).toBe(true);
  });
});

describe('screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const width of ['320', '800']) {
      it(`${theme} at ${width} px`, async () => {
        const frame = await openHarness({ theme, width });
        await page.waitForTimeout(300);
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        const file = path.join(SCREENSHOTS, `chromium-${theme}-${width}.png`);
        await page.locator('#widget').screenshot({ path: file });
        expect(fs.statSync(file).size).toBeGreaterThan(1000);
        expect(await frame.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      });
    }
  }
});
