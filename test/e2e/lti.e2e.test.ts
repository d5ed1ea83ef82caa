import type { FrameLocator, Page } from 'playwright-core';
import { By, type WebDriver } from 'selenium-webdriver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/freePort.ts';
import { launchChromium, type Browser } from './support/chromium.ts';
import { startStack, type Stack } from './support/stack.ts';
import { launchWebKit, type WebKit } from './support/webkit.ts';
import { clickWhenEnabled, enterFrameWhenReady, retryIfStale } from './support/webdriverActions.ts';

// An LTI 1.3 launch from the fake LMS (server/harness/ltiHarnessApp.ts, on
// 127.0.0.1) into the widget (on localhost, another site) with third-party
// cookies blocked, with and without platform storage, in Chromium and WebKit.

let stack: Stack;
let lmsUrl: string;

beforeAll(async () => {
  const ltiPort = await freePort();
  // SESSION_TTL 12 s: the idle lapse below happens within the test.
  stack = await startStack({ LTI_HARNESS_PORT: String(ltiPort), SESSION_TTL: '12', CLOCK_SKEW: '0' });
  lmsUrl = `http://127.0.0.1:${ltiPort}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${lmsUrl}/jwks.json`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`the fake LMS did not start:\n${stack.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const coursePage = (user: string, link: string, storage: boolean) => `${lmsUrl}/?${new URLSearchParams({ user, link, go: '1', ...(storage ? { storage: 'on' } : {}) })}`;

// An LTI launch moves the tool's frame between the LMS's site and ours four times. With site
// isolation each move swaps the frame into another renderer process, and on a loaded machine
// Playwright sometimes lost the frame for good after one of them (the server's log showed the
// widget loaded and streaming; Playwright still listed the frame at /lti/launch). One process per
// tab here: what is tested (cookies, postMessage origins, the posts) does not depend on processes,
// and third-party cookies are blocked in the network service either way
// (--test-third-party-cookie-phaseout, whose effect the Chromium suite proves with a control cookie).
const ONE_PROCESS_PER_TAB = ['--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process'];

describe('Chromium (third-party cookies blocked)', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium({ args: ONE_PROCESS_PER_TAB });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** The tool's frame once the widget in it has rendered. */
  async function openTool(user: string, link: string, storage: boolean, from: Browser = browser): Promise<FrameLocator> {
    // A page of its own for each launch, as a person opening the course in a new tab: Playwright can
    // lose a cross-site frame whose page navigated away under it, and closing a page whose frames
    // changed process could hang (close has no timeout); the browser closes them all at the end.
    page = await from.context.newPage();
    const requests: string[] = [];
    const record = (r: { method(): string; url(): string }) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    page.on('request', record);
    await page.goto(coursePage(user, link, storage));
    const frame = page.frameLocator('#tool');
    await frame.locator('[data-testid=user-name]').waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
      // Only what cannot hang: evaluating in a frame that lost its process could.
      throw new Error(`${String(err)}\nrequests: ${requests.join(', ')}\nframes: ${page.frames().map((f) => f.url()).join(', ')}`);
    });
    page.off('request', record);
    expect(requests.filter((r) => r.includes('/lti/'))).toEqual(storage ? ['POST /lti/login', 'POST /lti/launch', 'POST /lti/launch/finish'] : ['POST /lti/login', 'POST /lti/launch']);
    // A locator, not a Frame: the tool's frame changes process on each cross-site step of the launch.
    return frame;
  }

  it.each([
    ['with platform storage', true],
    ['without platform storage (server-side state)', false],
  ])('opens the widget from the course %s, names the user and the activity, and notes work', async (_name, storage) => {
    const link = storage ? 'link-week-1' : 'link-week-2';
    const frame = await openTool('alice', link, storage);
    expect(await frame.locator('[data-testid=user-name]').textContent()).toBe('Alice Learner');
    expect(await frame.locator('header.who .ctx').textContent()).toContain(storage ? 'Week 1: Reading notes' : 'Week 2: Lab notes');
    const body = `LTI note ${storage ? 'storage' : 'server'} ${Date.now()}`;
    await frame.locator('[data-testid=composer-input]').fill(body);
    await frame.locator('[data-testid=composer-submit]').click();
    await frame.locator('[data-testid=note-body]', { hasText: body }).waitFor();
    await frame.locator('[data-testid=note].pending').waitFor({ state: 'detached' });
    // Read in the frame as it is now: a handle from before the launch's cross-site steps may be gone.
    const tool = page.frames().find((f) => f.url().startsWith(`${stack.widgetUrl}/lti/`));
    expect(tool).toBeDefined();
    expect(await tool!.evaluate(() => document.cookie)).toBe('');
    expect(await browser.context.cookies([stack.widgetUrl])).toEqual([]);

    // Another person, in a browser of their own, in the same activity sees the thread.
    const bobsBrowser = await launchChromium({ args: ONE_PROCESS_PER_TAB });
    try {
      const bob = await openTool('bob', link, storage, bobsBrowser);
      expect(await bob.locator('[data-testid=user-name]').textContent()).toBe('Bob Instructor');
      await bob.locator('[data-testid=note-body]', { hasText: body }).waitFor();
    } finally {
      await bobsBrowser.close();
    }
  });

  it('says plainly, after an idle session lapsed, that the activity must be reopened from the course', async () => {
    const frame = await openTool('alice', 'link-week-1', false);
    // Idle well past SESSION_TTL (12 s) and the widget's activity window: the token lapses.
    await page.waitForTimeout(26_000);
    // Typing is activity: the widget tries to refresh, cannot, and has no host to ask.
    await frame.locator('[data-testid=composer-input]').fill('after the lapse');
    const notice = frame.locator('[data-testid=session-expired]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain('open the activity again from the course');
    expect(await notice.locator('button').count()).toBe(0);
  }, 120_000);
});

describe('WebKit (Safari\'s engine, Intelligent Tracking Prevention)', () => {
  let webkit: WebKit;
  let driver: WebDriver;
  beforeAll(async () => {
    webkit = await launchWebKit();
    driver = webkit.driver;
  }, 60_000);
  afterAll(async () => {
    await webkit?.close();
  });

  it.each([
    ['with platform storage', true],
    ['without platform storage (server-side state)', false],
  ])('opens the widget from the course %s and posts a note', async (_name, storage) => {
    await driver.switchTo().defaultContent();
    await driver.get(coursePage('alice', storage ? 'link-week-1' : 'link-week-2', storage));
    await enterFrameWhenReady(driver, '#tool', '[data-testid=user-name]', 30_000);
    expect(await retryIfStale(() => driver.findElement(By.css('[data-testid=user-name]')).getText())).toBe('Alice Learner');
    const body = `WebKit LTI ${storage ? 'storage' : 'server'} ${Date.now()}`;
    await retryIfStale(async () => {
      const input = await driver.findElement(By.css('[data-testid=composer-input]'));
      await input.click();
      await input.sendKeys(body);
    });
    // Enabled once the widget has hydrated and holds the text.
    await clickWhenEnabled(driver, '[data-testid=composer-submit]', 60_000);
    const bodies = () => retryIfStale(async () => Promise.all((await driver.findElements(By.css('[data-testid=note-body]'))).map((b) => b.getText())));
    await driver.wait(async () => (await bodies()).includes(body), 15_000);
    expect(await driver.executeScript('return document.cookie')).toBe('');
  });
});
