import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './support/chromium.ts';
import { startControlCookieServer } from './support/controlCookieServer.ts';
import { startStack, type Stack } from './support/stack.ts';
import { addNote, noteBodies } from './support/widgetFrame.ts';

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

async function openHarness(options: { user?: string; ctx?: string; theme?: string; width?: string } = {}, on: Page = page): Promise<Frame> {
  const page = on;
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
    // The SDK's launch from this page carries its Origin: refused before any session exists.
    const sdkFrame = page.frameLocator('#widget iframe');
    expect(await sdkFrame.locator('#error-code').textContent()).toBe('launch_invalid');
    expect(await sdkFrame.locator('[data-testid=user-name]').count()).toBe(0);
    // A launch that names no origin (GET, as browsers send it) still cannot show the widget here.
    await page.evaluate(async (widgetUrl) => {
      const response = await fetch('/launch-token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub: 'alice' }) });
      const iframe = document.createElement('iframe');
      iframe.id = 'unbound';
      iframe.src = `${widgetUrl}/launch?jwt=${encodeURIComponent((await response.json()).jwt)}`;
      document.body.append(iframe);
    }, stack.widgetUrl);
    await page.waitForTimeout(1500);
    expect(blocked.some((text) => /frame-ancestors/.test(text))).toBe(true);
    const unbound = await (await page.locator('#unbound').elementHandle())!.contentFrame();
    expect(await unbound!.locator('[data-testid=user-name]').count()).toBe(0);
  });

  it('refuses a launch that another site opens top-level (login CSRF)', async () => {
    await page.goto(stack.harnessUrl.replace('127.0.0.1', 'localhost'));
    const navigated = page.waitForURL(`${stack.widgetUrl}/launch`);
    await page.evaluate(async (widgetUrl) => {
      const response = await fetch('/launch-token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub: 'mallory' }) });
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: `${widgetUrl}/launch` });
      form.append(Object.assign(document.createElement('input'), { name: 'jwt', value: (await response.json()).jwt }));
      document.body.append(form);
      form.submit();
    }, stack.widgetUrl);
    await navigated;
    expect(await page.textContent('#error-code')).toBe('launch_invalid');
    expect(await page.content()).not.toContain('widget-bootstrap');
  });
});

describe('notes in the widget', () => {
  it('adds, edits and deletes a note, and a reload keeps the result', async () => {
    let frame = await openHarness({ ctx: 'page:43' });
    await addNote(frame, 'Keep me, then edit me');
    await addNote(frame, 'Delete me');
    expect(await noteBodies(frame)).toEqual(['Delete me', 'Keep me, then edit me']);

    // By position: in edit mode the note's text moves into the textarea.
    const kept = frame.locator('[data-testid=note]').nth(1);
    await kept.locator('[data-testid=note-edit]').click();
    await kept.locator('[data-testid=note-edit-input]').fill('Kept and edited');
    await kept.locator('[data-testid=note-save]').click();
    await frame.locator('[data-testid=note-body]', { hasText: 'Kept and edited' }).waitFor();

    const doomed = frame.locator('[data-testid=note]', { hasText: 'Delete me' });
    await doomed.locator('[data-testid=note-delete]').click();
    await doomed.locator('[data-testid=note-delete-confirm]').click();
    await doomed.waitFor({ state: 'detached' });

    frame = await openHarness({ ctx: 'page:43' });
    expect(await noteBodies(frame)).toEqual(['Kept and edited']);
    expect(await frame.locator('[data-testid=note-edit]').count()).toBe(1);

    // Another user reads the thread but may not change Alice's note.
    frame = await openHarness({ user: 'Bob Builder (bob)', ctx: 'page:43' });
    expect(await noteBodies(frame)).toEqual(['Kept and edited']);
    expect(await frame.locator('[data-testid=note-edit]').count()).toBe(0);
  });

  it('keeps hostile note bodies and contexts inert', async () => {
    const hostileCtx = '"><img src=x onerror=alert(2)></script>';
    const frame = await openHarness({ ctx: hostileCtx });
    expect(await frame.textContent('.ctx')).toContain(hostileCtx);
    const body = '<img src=x onerror=alert(3)> </script><script>alert(4)</script> javascript:alert(5)';
    await addNote(frame, body);
    expect(await noteBodies(frame)).toEqual([body]);
    expect(await frame.locator('img').count()).toBe(0);
    expect(await frame.locator('a[href^="javascript:"]').count()).toBe(0);
    await openHarness({ ctx: hostileCtx }); // server-rendered this time
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('sizes the iframe to its content, without an inner scrollbar', async () => {
    const frame = await openHarness({ ctx: 'ticket:7' });
    for (const line of ['one', 'two', 'three', 'four']) await addNote(frame, `Resize note ${line}\nwith a second line`);
    await page.waitForTimeout(300);
    const iframeHeight = await page.locator('#widget iframe').evaluate((el) => el.getBoundingClientRect().height);
    const contentHeight = await frame.evaluate(() => Math.ceil(document.getElementById('app')!.getBoundingClientRect().height));
    expect(iframeHeight).toBeGreaterThan(200);
    expect(Math.abs(iframeHeight - contentHeight)).toBeLessThanOrEqual(2);
    expect(await frame.evaluate(() => document.documentElement.scrollHeight <= document.documentElement.clientHeight + 1)).toBe(true);
  });
});

describe('the session without cookies', () => {
  it('refreshes while the user is active, lapses while idle, and re-launches silently through the SDK', async () => {
    const idlePage = await browser.context.newPage();
    const count = (on: Page) => {
      const seen = { refresh: 0, relaunch: 0 };
      on.on('response', (r) => {
        const url = new URL(r.url());
        if (r.request().method() !== 'POST' || url.origin !== stack.widgetUrl || r.status() !== 200) return;
        if (url.pathname === '/api/session/refresh') seen.refresh++;
        if (url.pathname === '/api/session') seen.relaunch++;
      });
      return seen;
    };
    const active = count(page);
    const idle = count(idlePage);
    const activeFrame = await openHarness({ ctx: 'page:42' });
    const idleFrame = await openHarness({ ctx: 'page:42' }, idlePage);

    // SESSION_TTL is 12 s here: 26 s is two lifetimes.
    for (let elapsed = 0; elapsed < 26_000; elapsed += 2000) {
      await activeFrame.locator('[data-testid=composer-input]').press('a');
      await page.waitForTimeout(2000);
    }
    expect(active.refresh).toBeGreaterThanOrEqual(2);
    expect(active.relaunch).toBe(0);
    await activeFrame.fill('[data-testid=composer-input]', '');
    await addNote(activeFrame, 'Written by the active user');
    expect(active.relaunch).toBe(0);

    // The idle widget's token lapsed; using it again asks the host for a new launch.
    expect(idle.relaunch).toBe(0);
    await addNote(idleFrame, 'Written after a silent re-launch');
    expect(idle.relaunch).toBe(1);
    expect(await idleFrame.locator('[data-testid=session-expired]').count()).toBe(0);
    expect(await idlePage.locator('#log').textContent()).toMatch(/getLaunchToken[\s\S]*getLaunchToken/);
    await idlePage.close();
  });

  it('signs out: the session is revoked and comes back only when the user asks', async () => {
    const frame = await openHarness();
    const logout = page.waitForResponse((r) => r.url() === `${stack.widgetUrl}/api/session/logout`);
    await frame.click('[data-testid=sign-out]');
    expect((await logout).status()).toBe(204);
    await frame.locator('[data-testid=session-expired]', { hasText: 'You signed out' }).waitFor();
    expect(await frame.locator('[data-testid=composer-submit]').isDisabled()).toBe(true);
    const relaunch = page.waitForResponse((r) => r.url() === `${stack.widgetUrl}/api/session`);
    await frame.click('[data-testid=session-recover]');
    expect((await relaunch).status()).toBe(200);
    await frame.locator('[data-testid=session-expired]').waitFor({ state: 'detached' });
    await addNote(frame, 'Back after signing in again');
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
