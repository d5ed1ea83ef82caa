import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './support/chromium.ts';
import { startHostSites, type HostSite } from './support/hostPages.ts';
import { startStack, type Stack } from './support/stack.ts';

// What a host page sees when a mount fails, where the browser is what decides
// (frame-ancestors, the page's own CSP, Subresource Integrity): Chromium.

let stack: Stack;
let browser: Browser;
let sites: Awaited<ReturnType<typeof startHostSites>>;
let page: Page;
let consoleLines: string[];

beforeAll(async () => {
  stack = await startStack();
  sites = await startHostSites(stack);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await sites?.close();
  await stack?.stop();
});
beforeEach(async () => {
  page = await browser.context.newPage();
  consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
});

type HostEvent = Record<string, unknown> & { event: string };
const events = () => page.evaluate(() => (window as unknown as { __events?: HostEvent[] }).__events ?? []);

/** Opens a host page and waits until its SDK reported something (or the page gave up on the SDK). */
async function firstEvent(site: HostSite, options: Parameters<HostSite['pageUrl']>[0]): Promise<HostEvent> {
  await page.goto(site.pageUrl(options));
  await page.waitForFunction(() => ((window as unknown as { __events?: unknown[] }).__events ?? []).length > 0, undefined, { timeout: 60_000 });
  return (await events())[0]!;
}

describe('a mount that works is the control', () => {
  it('reports ready and no error on a registered page', async () => {
    expect(await firstEvent(sites.registered, {})).toEqual({ event: 'ready' });
  });
});

describe('launch_refused', () => {
  it('reports the server\'s code, its explanation and the request id; the frame shows one plain sentence', async () => {
    const event = await firstEvent(sites.registered, { token: 'expired' });
    expect(event).toEqual({ event: 'error', code: 'launch_refused', serverCode: 'launch_expired', message: expect.stringContaining('expired'), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const frame = page.frameLocator('#widget iframe');
    await expect(frame.locator('[role=alert] p').first().textContent()).resolves.toBe('This view of the notes has expired; reloading the page opens it again.');
    expect(await frame.locator('#error-code').textContent()).toBe('launch_expired');
  });
});

describe('frame_blocked', () => {
  it('when the page\'s origin is not registered, after readyTimeout', async () => {
    // Ten seconds: the launch answers in milliseconds; a refusal addressed to nobody only shows as silence.
    const event = await firstEvent(sites.unregistered, { readyTimeout: 10_000 });
    expect(event).toEqual({ event: 'error', code: 'frame_blocked', directive: 'frame-ancestors', message: expect.stringContaining(sites.unregistered.origin) });
    // The launch itself is refused (its Origin is not the tenant's, login CSRF), before
    // frame-ancestors would have kept the widget out; the refusal's detail goes to registered origins only.
    expect(await page.frameLocator('#widget iframe').locator('#error-code').textContent()).toBe('launch_invalid');
  });

  it('at once when the page\'s own CSP refuses the form post (form-action \'self\'), with no timer at all', async () => {
    const event = await firstEvent(sites.registered, { csp: "form-action 'self'", readyTimeout: 0 });
    expect(event).toEqual({ event: 'error', code: 'frame_blocked', directive: 'form-action', message: expect.stringContaining(`allow ${stack.widgetUrl} in form-action`) });
  });

  it('when the page\'s own CSP refuses the frame (frame-src)', async () => {
    const event = await firstEvent(sites.registered, { csp: `frame-src 'self'; form-action ${stack.widgetUrl}`, readyTimeout: 0 });
    expect(event).toMatchObject({ event: 'error', code: 'frame_blocked', directive: 'frame-src' });
  });
});

describe('the SDK pinned with Subresource Integrity', () => {
  it('loads and mounts with the published hash, and is refused with another', async () => {
    const integrity = (await (await fetch(`${stack.widgetUrl}/sdk/v1/integrity.json`)).json()) as Record<string, string>;
    expect(await firstEvent(sites.registered, { integrity: integrity['/sdk/v1/embed.js'] })).toEqual({ event: 'ready' });

    const wrong = `sha384-${Buffer.alloc(48, 7).toString('base64')}`;
    expect(await firstEvent(sites.registered, { integrity: wrong })).toEqual({ event: 'sdk-missing' });
    expect(consoleLines.some((line) => /integrity/i.test(line))).toBe(true);
  });
});
