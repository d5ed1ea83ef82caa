import fs from 'node:fs';
import type { Frame, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from './support/chromium.ts';
import { startControlCookieServer } from './support/controlCookieServer.ts';
import { screenshotPath } from './support/screenshots.ts';
import { startStack, type Stack } from './support/stack.ts';
import { SHOWCASE, seedNotes } from './support/seedNotes.ts';
import { addNote, noteBodies } from './support/widgetFrame.ts';


// How long the UI may take to show what a step waits for: a bound for a hang, set
// for a busy 2-core machine; a healthy run never comes near it.
const UI_WAIT_MS = 60_000;

let stack: Stack;
let browser: Browser;
let page: Page;
let widgetResponses: Response[];
let dialogs: string[];
let consoleErrors: string[];

beforeAll(async () => {
  // The default session lifetime: a step that takes long on a busy machine never lapses a
  // widget's token mid-test. The refresh test starts its own short-lived stack.
  stack = await startStack();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

// Each test's page closes with it: a widget left open on an earlier page keeps its live
// stream and session timers running, and its console lines would land in this test's list.
afterEach(async () => {
  await page?.close();
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

async function openHarness(options: { user?: string; ctx?: string; theme?: string; width?: string; stack?: Stack } = {}, on: Page = page): Promise<Frame> {
  const page = on;
  await page.goto((options.stack ?? stack).harnessUrl);
  if (options.user || options.ctx || options.theme || options.width) {
    if (options.user) await page.selectOption('#user', { label: options.user });
    if (options.ctx) {
      // A context of the test's own, so notes from other tests do not mix in.
      await page.evaluate((ctx) => {
        const select = document.getElementById('ctx') as HTMLSelectElement;
        if (![...select.options].some((o) => o.value === ctx)) select.add(new Option(ctx, ctx));
      }, options.ctx);
      await page.selectOption('#ctx', options.ctx);
    }
    if (options.theme) await page.selectOption('#theme', options.theme);
    if (options.width) await page.selectOption('#width', options.width);
    await page.click('#launch');
  }
  const frameElement = page.locator('#widget iframe');
  await page.frameLocator('#widget iframe').locator('[data-testid=user-name]').waitFor({ timeout: UI_WAIT_MS });
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
    // Edit controls come with hydration (the server's render of a thread is the same for every viewer).
    await frame.locator('[data-testid=note-edit]').first().waitFor();
    expect(await frame.locator('[data-testid=note-edit]').count()).toBe(1);

    // Another user reads the thread but may not change Alice's note.
    frame = await openHarness({ user: 'Bob Builder (bob)', ctx: 'page:43' });
    expect(await noteBodies(frame)).toEqual(['Kept and edited']);
    // Hydrated once the times carry their full-date tooltip: only then is "no edit button" an answer.
    await frame.locator('time[title]').first().waitFor();
    expect(await frame.locator('[data-testid=note-edit]').count()).toBe(0);
  });

  it('keeps hostile note bodies and contexts inert', async () => {
    const hostileCtx = '"><img src=x onerror=alert(2)></script>';
    const frame = await openHarness({ ctx: hostileCtx });
    // The raw context id is never shown (only a host's display label would be).
    expect(await frame.textContent('header')).not.toContain('onerror');
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
    // Tokens of 12 s, so two lifetimes pass within the test.
    const shortLived = await startStack({ SESSION_TTL: '12', CLOCK_SKEW: '0' });
    const idlePage = await browser.context.newPage();
    try {
      await refreshesThenLapses(shortLived, idlePage);
    } finally {
      await idlePage.close();
      await page.close();
      await shortLived.stop();
    }
  });

  async function refreshesThenLapses(shortLived: Stack, idlePage: Page): Promise<void> {
    const count = (on: Page) => {
      const seen = { refresh: 0, relaunch: 0 };
      on.on('response', (r) => {
        const url = new URL(r.url());
        if (r.request().method() !== 'POST' || url.origin !== shortLived.widgetUrl || r.status() !== 200) return;
        if (url.pathname === '/api/session/refresh') seen.refresh++;
        if (url.pathname === '/api/session') seen.relaunch++;
      });
      return seen;
    };
    const active = count(page);
    const idle = count(idlePage);
    const activeFrame = await openHarness({ ctx: 'page:42', stack: shortLived });
    const idleFrame = await openHarness({ ctx: 'page:42', stack: shortLived }, idlePage);

    // 26 s is two lifetimes.
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
  }

  it('signs out: the session is revoked and comes back only when the user asks', async () => {
    const frame = await openHarness();
    const logout = page.waitForResponse((r) => r.url() === `${stack.widgetUrl}/api/session/logout`);
    await frame.click('[data-testid=sign-out]');
    expect((await logout).status()).toBe(204);
    await frame.locator('[data-testid=session-expired]', { hasText: 'You signed out' }).waitFor();
    // A choice the user made: information, not an alarm.
    expect(await frame.getAttribute('[data-testid=session-expired]', 'role')).toBe('status');
    expect(await frame.locator('[data-testid=composer-submit]').isDisabled()).toBe(true);
    const relaunch = page.waitForResponse((r) => r.url() === `${stack.widgetUrl}/api/session`);
    await frame.click('[data-testid=session-recover]');
    expect((await relaunch).status()).toBe(200);
    await frame.locator('[data-testid=session-expired]').waitFor({ state: 'detached' });
    await addNote(frame, 'Back after signing in again');
  });
});

describe('the thread people read (issue 16)', () => {
  it('reads Hebrew right to left, keeps a one-line note compact with its buttons on hover or focus, and opens links in a new tab without an opener', async () => {
    const frame = await openHarness({ ctx: 'e2e:rtl' });
    await addNote(frame, 'Plain one-liner');
    await addNote(frame, 'שלום עולם.');
    const hebrew = frame.locator('[data-testid=note-body]', { hasText: 'שלום' });
    expect(await hebrew.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
    // It ends at the right edge, where a right-to-left reader starts.
    const edges = await hebrew.evaluate((el) => {
      const text = document.createRange();
      text.selectNodeContents(el);
      return [el.getBoundingClientRect().right, text.getBoundingClientRect().right];
    });
    expect(Math.abs(edges[0]! - edges[1]!)).toBeLessThanOrEqual(2);
    const plain = frame.locator('[data-testid=note]', { hasText: 'Plain one-liner' });
    expect(await plain.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(60);

    // Hidden until hover where a mouse can hover, and reachable by keyboard.
    const edit = plain.locator('[data-testid=note-edit]');
    await page.mouse.move(0, 0);
    expect(await edit.evaluate((el) => getComputedStyle(el.parentElement!).opacity)).toBe('0');
    await plain.hover();
    expect(await edit.evaluate((el) => getComputedStyle(el.parentElement!).opacity)).toBe('1');
    await page.mouse.move(0, 0);
    await edit.focus();
    expect(await edit.evaluate((el) => getComputedStyle(el.parentElement!).opacity)).toBe('1');

    await addNote(frame, `Harness: ${stack.harnessUrl}/ and javascript:alert(6)`);
    const link = frame.locator('[data-testid=note-body] a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    const [popup] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${stack.harnessUrl}/`);
    expect(await popup.evaluate(() => window.opener)).toBeNull();
    await popup.close();
    expect(dialogs).toEqual([]);
  });

  it('keeps a paste over 4,000 characters whole, says how far over it is, and scrolls inside a capped composer', async () => {
    const frame = await openHarness({ ctx: 'e2e:long' });
    const long = `${Array.from({ length: 820 }, () => 'word').join(' ')}!`;
    await frame.fill('[data-testid=composer-input]', long);
    expect(await frame.locator('[data-testid=composer-input]').inputValue()).toBe(long);
    await frame.locator('#composer-hint', { hasText: '100 characters too many' }).waitFor();
    expect(await frame.locator('[data-testid=composer-submit]').isDisabled()).toBe(true);
    const box = await frame.locator('[data-testid=composer-input]').evaluate((el) => ({ height: el.clientHeight, scroll: el.scrollHeight }));
    expect(box.height).toBeLessThan(260);
    expect(box.scroll).toBeGreaterThan(box.height);
    await page.waitForTimeout(300);
    expect(await page.locator('#widget iframe').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(600);
  });

  it('fits the first page of 50 notes within the SDK\'s 4,000 px at 320 px: the newest 20, the rest one click away without a request', async () => {
    await seedNotes(stack, { sub: 'bob', name: 'Bob Builder', ctx: 'e2e:many' }, Array.from({ length: 60 }, (_, i) => `Note ${i + 1}: a line of text long enough to wrap once in a narrow frame.`));
    const frame = await openHarness({ ctx: 'e2e:many', width: '320' });
    const more = frame.locator('[data-testid=notes-more]');
    expect(await more.textContent()).toBe('Show 20 older notes');
    await page.waitForTimeout(300);
    const iframeHeight = await page.locator('#widget iframe').evaluate((el) => el.getBoundingClientRect().height);
    expect(iframeHeight).toBeLessThan(4000);
    // Reachable without scrolling inside the frame: the frame shows all of its content.
    expect(await frame.evaluate(() => document.documentElement.scrollHeight <= document.documentElement.clientHeight + 1)).toBe(true);
    const fetches: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${stack.widgetUrl}/api/notes`)) fetches.push(r.url());
    });
    await more.click();
    expect(await frame.locator('[data-testid=note]').count()).toBe(40);
    await more.click();
    expect(await frame.locator('[data-testid=note]').count()).toBe(50);
    expect(fetches).toEqual([]);
    expect(await more.textContent()).toBe('Show older notes');
    await more.click();
    await frame.locator('[data-testid=note]').nth(59).waitFor();
    expect(fetches).toHaveLength(1);
  });
});

describe('session messages (issues 16 and 19)', () => {
  const messages = (frame: Frame) => frame.locator('[role=alert], [role=status]').count();

  it('after "Sign out on host": one message, advice that can work while the host refuses, nothing left after recovering', async () => {
    const frame = await openHarness({ ctx: 'e2e:host-sign-out' });
    await page.click('#sign-out');
    await page.locator('#log', { hasText: 'alice signed out on host' }).waitFor();
    await frame.fill('[data-testid=composer-input]', 'Typed while the host had signed me out');
    await frame.click('[data-testid=composer-submit]');
    await frame.locator('[data-testid=session-expired]').waitFor();
    expect(await messages(frame)).toBe(1);
    expect(await frame.inputValue('[data-testid=composer-input]')).toBe('Typed while the host had signed me out');

    await frame.click('[data-testid=session-recover]');
    await frame.locator('[data-testid=session-expired]', { hasText: 'Sign in to the site, then try again' }).waitFor();
    expect(await frame.textContent('[data-testid=session-expired]')).not.toMatch(/reload/i);
    expect(await messages(frame)).toBe(1);

    await page.click('#sign-in');
    await page.locator('#log', { hasText: 'alice signed back in on host' }).waitFor();
    await frame.click('[data-testid=session-recover]');
    await frame.locator('[data-testid=session-expired]').waitFor({ state: 'detached' });
    expect(await messages(frame)).toBe(0);
    await frame.click('[data-testid=composer-submit]');
    await frame.locator('[data-testid=note-body]', { hasText: 'Typed while the host had signed me out' }).waitFor();
    await frame.locator('[data-testid=note].pending').waitFor({ state: 'detached' });
    expect(await messages(frame)).toBe(0);
  });

  it('a silent re-launch as someone else does not post what the first user typed (issue 19 item 8)', async () => {
    const frame = await openHarness({ ctx: 'e2e:switch' });
    // Someone switches accounts on the host (here: the picker, without Launch), then the widget's session ends.
    await page.selectOption('#user', { label: 'Bob Builder (bob)' });
    await page.click('#expire');
    await page.locator('#log', { hasText: /expired [1-9]\d* session\(s\) of alice/ }).waitFor();

    await frame.fill('[data-testid=composer-input]', 'Typed by Alice');
    await frame.click('[data-testid=composer-submit]');
    await frame.locator('[data-testid=session-switched]', { hasText: 'Bob Builder' }).waitFor();
    expect(await frame.textContent('[data-testid=user-name]')).toBe('Bob Builder');
    expect(await frame.inputValue('[data-testid=composer-input]')).toBe('Typed by Alice');
    expect(await page.textContent('#log')).toContain('sign for bob');
    expect(await messages(frame)).toBe(1);

    // Nobody's thread got the note.
    for (const user of ['Alice Example (alice)', 'Bob Builder (bob)']) {
      const reopened = await openHarness({ user, ctx: 'e2e:switch' });
      expect(await noteBodies(reopened)).toEqual([]);
    }
  });
});

describe('two widgets of one thread on a page (issue 16: live updates and conflicts)', () => {
  /** The harness with its "second widget" toggle: both frames of one user and context. */
  async function openTwo(ctx: string): Promise<[Frame, Frame]> {
    await page.goto(stack.harnessUrl);
    await page.evaluate((ctx) => {
      const select = document.getElementById('ctx') as HTMLSelectElement;
      select.add(new Option(ctx, ctx));
      select.value = ctx;
    }, ctx);
    await page.check('#second');
    await page.click('#launch');
    const frames: Frame[] = [];
    for (const id of ['#widget', '#widget2']) {
      await page.frameLocator(`${id} iframe`).locator('[data-testid=user-name]').waitFor({ timeout: UI_WAIT_MS });
      frames.push((await (await page.locator(`${id} iframe`).elementHandle())!.contentFrame())!);
    }
    return frames as [Frame, Frame];
  }
  const bodyIn = (frame: Frame, text: string) => frame.locator('[data-testid=note-body]', { hasText: text });

  it('each shows the notes added, edited and deleted in the other without a reload', async () => {
    const [one, two] = await openTwo('e2e:live');
    await addNote(one, 'Written in widget one');
    await bodyIn(two, 'Written in widget one').waitFor({ timeout: UI_WAIT_MS });
    await addNote(two, 'Answered in widget two');
    await bodyIn(one, 'Answered in widget two').waitFor({ timeout: UI_WAIT_MS });
    expect(await noteBodies(one)).toEqual(['Answered in widget two', 'Written in widget one']);
    expect(await noteBodies(two)).toEqual(['Answered in widget two', 'Written in widget one']);

    // By position: in edit mode the note's text moves into the textarea.
    const first = one.locator('[data-testid=note]').nth(1);
    await first.locator('[data-testid=note-edit]').click();
    await first.locator('[data-testid=note-edit-input]').fill('Edited in widget one');
    await first.locator('[data-testid=note-save]').click();
    await bodyIn(two, 'Edited in widget one').waitFor({ timeout: UI_WAIT_MS });

    const answer = two.locator('[data-testid=note]', { hasText: 'Answered in widget two' });
    await answer.locator('[data-testid=note-delete]').click();
    await answer.locator('[data-testid=note-delete-confirm]').click();
    await bodyIn(one, 'Answered in widget two').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
    // The token never went into a URL: every stream request carried it in the header only.
    const streams = widgetResponses.filter((r) => r.url().includes('/api/notes/stream'));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    for (const r of streams) {
      expect(r.url()).toBe(`${stack.widgetUrl}/api/notes/stream`);
      expect(r.request().headers().authorization).toMatch(/^Bearer /);
    }
    expect(consoleErrors).toEqual([]);
  });

  it('refuses a stale edit and offers both versions: keep mine, or use the saved one', async () => {
    const [one, two] = await openTwo('e2e:conflict');
    await addNote(one, 'The plan: ship on Friday.');
    await bodyIn(two, 'The plan: ship on Friday.').waitFor({ timeout: UI_WAIT_MS });
    // Widget two opens the editor first; widget one saves an edit meanwhile.
    await two.locator('[data-testid=note-edit]').click();
    await two.locator('[data-testid=note-edit-input]').fill('The plan: ship on Monday.');
    await one.locator('[data-testid=note-edit]').click();
    await one.locator('[data-testid=note-edit-input]').fill('The plan: ship on Thursday.');
    await one.locator('[data-testid=note-save]').click();
    await bodyIn(one, 'Thursday').waitFor();
    await two.locator('[data-testid=note-save]').click();
    const conflict = two.locator('[data-testid=note-conflict]');
    await conflict.waitFor({ timeout: UI_WAIT_MS });
    expect(await two.textContent('[data-testid=conflict-saved]')).toBe('The plan: ship on Thursday.');
    expect(await two.textContent('[data-testid=conflict-mine]')).toBe('The plan: ship on Monday.');
    expect(await two.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('conflict-keep-mine');
    const file = screenshotPath('chromium-conflict-800.png');
    await page.locator('#widget2').screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(1000);

    await two.click('[data-testid=conflict-keep-mine]');
    await bodyIn(two, 'Monday').waitFor();
    await bodyIn(one, 'Monday').waitFor({ timeout: UI_WAIT_MS });
    expect(await noteBodies(one)).toEqual(['The plan: ship on Monday.']);
  });
});

describe('screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const width of ['320', '800']) {
      it(`${theme} at ${width} px`, async () => {
        const ctx = `e2e:screens-${theme}-${width}`;
        await seedNotes(stack, { sub: 'alice', name: 'Alice Example', ctx }, SHOWCASE.alice);
        await seedNotes(stack, { sub: 'bob', name: 'Bob Builder', ctx }, SHOWCASE.bob);
        const frame = await openHarness({ theme, width, ctx });
        // Right-to-left notes read right to left (issue 16), and one of Alice's notes shows its buttons.
        expect(await frame.locator('[data-testid=note-body]').first().evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
        await frame.locator('[data-testid=note]', { hasText: 'Shipping Friday' }).hover();
        await page.waitForTimeout(300);
        const file = screenshotPath(`chromium-${theme}-${width}.png`);
        await page.locator('#widget').screenshot({ path: file });
        expect(fs.statSync(file).size).toBeGreaterThan(1000);
        expect(await frame.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      });
    }
  }
});
