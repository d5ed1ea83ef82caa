import fs from 'node:fs';
import { By, until, type WebDriver } from 'selenium-webdriver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlCookieServer } from './support/controlCookieServer.ts';
import { startHostSites, type HostPageOptions, type HostSite } from './support/hostPages.ts';
import { SHOWCASE, seedNotes } from './support/seedNotes.ts';
import { screenshotPath } from './support/screenshots.ts';
import { startStack, type Stack } from './support/stack.ts';
import { launchWebKit, type WebKit } from './support/webkit.ts';
import { clickWhenEnabled, enterFrameWhenReady, retryIfStale } from './support/webdriverActions.ts';

// How long the UI may take to show what a step waits for: a bound for a hang, set
// for a busy 2-core machine; a healthy run never comes near it.
const UI_WAIT_MS = 60_000;

let stack: Stack;
let webkit: WebKit;
let driver: WebDriver;
let sites: Awaited<ReturnType<typeof startHostSites>>;

beforeAll(async () => {
  // The default session lifetime: a step that takes long on a busy machine never lapses a
  // widget's token mid-test. The refresh test starts its own short-lived stack.
  stack = await startStack();
  sites = await startHostSites(stack);
  webkit = await launchWebKit();
  driver = webkit.driver;
});
afterAll(async () => {
  await webkit?.close();
  await sites?.close();
  await stack?.stop();
});

/** Opens the harness (optionally picking a user and context) and switches into the widget frame. */
async function openWidget(user?: string, ctx?: string, on: Stack = stack): Promise<void> {
  await driver.switchTo().defaultContent();
  await driver.get(on.harnessUrl);
  if (user || ctx) {
    if (user) await driver.findElement(By.css(`#user option[value^="${user}|"]`)).click();
    // A context of the test's own is added to the picker, so notes from other tests do not mix in.
    if (ctx) await driver.executeScript('const s = document.getElementById("ctx"); if (![...s.options].some((o) => o.value === arguments[0])) s.add(new Option(arguments[0], arguments[0])); s.value = arguments[0];', ctx);
    await driver.findElement(By.id('launch')).click();
  }
  await enterFrameWhenReady(driver, '#widget iframe', '[data-testid=user-name]', UI_WAIT_MS);
}

const notes = () => driver.findElements(By.css('[data-testid=note]'));
const bodies = async () => Promise.all((await driver.findElements(By.css('[data-testid=note-body]'))).map((b) => b.getText()));

/**
 * Clicks into a field, as a person would, then types (WebKitWebDriver will not type into an unfocused
 * field), and waits until the field shows what was typed. WebDriver's clear() leaves the field
 * unfocused (the spec's unfocusing steps), so the field is clicked again before typing over it.
 */
async function typeInto(css: string, text: string, clear = false): Promise<void> {
  await retryIfStale(async () => {
    const field = await driver.wait(until.elementLocated(By.css(css)), UI_WAIT_MS);
    await field.click();
    if (clear) {
      await field.clear();
      await field.click();
    }
    await field.sendKeys(text);
    await driver.wait(async () => {
      const value = (await field.getAttribute('value')) ?? '';
      return clear ? value === text : value.endsWith(text);
    }, UI_WAIT_MS);
  });
}

/** The host has resized the iframe to the content: clicks computed now land where they aim. */
const frameFitsContent = () =>
  driver.executeScript('return Math.abs(window.innerHeight - Math.ceil(document.getElementById("app").getBoundingClientRect().height)) <= 2') as Promise<boolean>;

async function addNote(text: string): Promise<void> {
  const before = (await notes()).length;
  await typeInto('[data-testid=composer-input]', text);
  await clickWhenEnabled(driver, '[data-testid=composer-submit]', UI_WAIT_MS);
  await driver.wait(
    () => retryIfStale(async () => (await notes()).length === before + 1 && (await driver.findElements(By.css('[data-testid=note].pending'))).length === 0),
    UI_WAIT_MS,
  );
  await driver.wait(frameFitsContent, 60_000);
}

/** Whether the note body containing arguments[0] ends its text at its right edge (within 2 px). */
const RIGHT_ALIGNED = `
  const body = [...document.querySelectorAll('[data-testid=note-body]')].find((b) => b.textContent.includes(arguments[0]));
  const text = document.createRange();
  text.selectNodeContents(body);
  return Math.abs(body.getBoundingClientRect().right - text.getBoundingClientRect().right) <= 2;`;

/** For a failure message: the harness's event log and the server's last request lines. */
async function whatHappened(): Promise<string> {
  await driver.switchTo().defaultContent();
  const harnessLog = (await driver.executeScript('return document.getElementById("log")?.textContent ?? ""')) as string;
  const serverLines = stack.output().split('\n').filter((line) => /\/api\/|launch|stream/.test(line)).slice(-40);
  return `harness log:\n${harnessLog}\nserver:\n${serverLines.join('\n')}`;
}

/** Fetches the widget made, from the browser's own resource timing. */
const calls = (path: string) =>
  driver.executeScript(
    'return performance.getEntriesByType("resource").filter((e) => new URL(e.name).pathname === arguments[0]).length',
    path,
  ) as Promise<number>;

describe('WebKit (Safari engine)', () => {
  it('is the Safari engine', async () => {
    const ua = (await driver.executeScript('return navigator.userAgent')) as string;
    expect(ua).toMatch(/AppleWebKit\/605\.1\.15.*Safari\/605\.1\.15/);
  });

  it('blocks third-party cookies: a control cookie comes back top-level but not from a cross-site iframe', async () => {
    const control = await startControlCookieServer();
    try {
      await driver.get(`${control.url}/set`);
      await driver.get(`${control.url}/echo`);
      expect(await driver.findElement(By.id('cookie')).getText()).toBe('present');
      await driver.get(control.framingUrl);
      await driver.switchTo().frame(await driver.wait(until.elementLocated(By.id('control')), UI_WAIT_MS));
      expect(await driver.wait(until.elementLocated(By.id('cookie')), UI_WAIT_MS).getText()).toBe('absent');
    } finally {
      await driver.switchTo().defaultContent();
      await driver.get(`${control.url}/echo`);
      await driver.manage().deleteAllCookies();
      await control.close();
    }
  });

  it('launches through the host SDK in a cross-site iframe and shows the user', async () => {
    await openWidget();
    expect(await driver.findElement(By.css('[data-testid=user-name]')).getText()).toBe('Alice Example');
    const origin = (await driver.executeScript('return location.origin')) as string;
    expect(origin).toBe(stack.widgetUrl);
    expect(await driver.executeScript('return document.cookie')).toBe('');
  });

  it('keeps a hostile display name inert', async () => {
    await openWidget('mallory');
    expect(await driver.findElement(By.css('[data-testid=user-name]')).getText()).toBe('<img src=x onerror=alert(1)>"</script>');
    expect((await driver.findElements(By.css('img'))).length).toBe(0);
    // An alert would be pending here; WebDriver reports none.
    await expect(driver.switchTo().alert()).rejects.toThrow();
  });

  it('adds, edits and deletes a note, and a reload keeps the result', async () => {
    await openWidget(undefined, 'page:43');
    await addNote('Keep me, then edit me');
    await addNote('Delete me');
    expect(await bodies()).toEqual(['Delete me', 'Keep me, then edit me']);

    await (await notes())[1]!.findElement(By.css('[data-testid=note-edit]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid=note-edit-input]')), UI_WAIT_MS);
    await driver.wait(frameFitsContent, 60_000);
    await typeInto('[data-testid=note-edit-input]', 'Kept and edited', true);
    await clickWhenEnabled(driver, '[data-testid=note-save]', UI_WAIT_MS);
    await driver.wait(async () => (await bodies()).includes('Kept and edited'), UI_WAIT_MS);

    await driver.wait(frameFitsContent, 60_000);
    await (await notes())[0]!.findElement(By.css('[data-testid=note-delete]')).click();
    await driver.wait(until.elementLocated(By.css('[data-testid=note-delete-confirm]')), UI_WAIT_MS);
    await driver.wait(frameFitsContent, 60_000);
    await driver.findElement(By.css('[data-testid=note-delete-confirm]')).click();
    await driver.wait(async () => (await notes()).length === 1, UI_WAIT_MS);

    await openWidget(undefined, 'page:43');
    expect(await bodies()).toEqual(['Kept and edited']);
  });

  it('keeps hostile note bodies and contexts inert', async () => {
    const hostileCtx = '"><img src=x onerror=alert(2)></script>';
    await openWidget(undefined, hostileCtx);
    // The raw context id is never shown (only a host's display label would be).
    expect(await driver.findElement(By.css('header')).getText()).not.toContain('onerror');
    const body = '<img src=x onerror=alert(3)> </script><script>alert(4)</script> javascript:alert(5)';
    await addNote(body);
    await openWidget(undefined, hostileCtx);
    expect(await bodies()).toEqual([body]);
    expect((await driver.findElements(By.css('img'))).length).toBe(0);
    await expect(driver.switchTo().alert()).rejects.toThrow();
  });

  it('sizes the iframe to its content', async () => {
    await openWidget(undefined, 'ticket:7');
    for (const line of ['one', 'two', 'three', 'four']) await addNote(`Resize note ${line}`);
    await driver.sleep(300);
    const contentHeight = (await driver.executeScript('return Math.ceil(document.getElementById("app").getBoundingClientRect().height)')) as number;
    await driver.switchTo().defaultContent();
    const iframeHeight = (await driver.executeScript('return document.querySelector("#widget iframe").getBoundingClientRect().height')) as number;
    expect(iframeHeight).toBeGreaterThan(200);
    expect(Math.abs(iframeHeight - contentHeight)).toBeLessThanOrEqual(2);
  });

  it('refreshes while the user is active, then lapses while idle and re-launches silently through the SDK', async () => {
    // Tokens of 12 s, so two lifetimes pass within the test.
    const shortLived = await startStack({ SESSION_TTL: '12', CLOCK_SKEW: '0' });
    try {
      await refreshesThenLapses(shortLived);
    } finally {
      await driver.switchTo().defaultContent();
      await driver.get('about:blank');
      await shortLived.stop();
    }
  });

  async function refreshesThenLapses(shortLived: Stack): Promise<void> {
    await openWidget(undefined, undefined, shortLived);
    const launchesAsked = async () => {
      await driver.switchTo().defaultContent();
      const count = ((await driver.findElement(By.id('log')).getText()).match(/getLaunchToken/g) ?? []).length;
      await driver.switchTo().frame(await driver.findElement(By.css('#widget iframe')));
      return count;
    };
    const before = await launchesAsked();
    // 26 s is two lifetimes.
    for (let elapsed = 0; elapsed < 26_000; elapsed += 2000) {
      await typeInto('[data-testid=composer-input]', 'a');
      await driver.sleep(2000);
    }
    expect(await calls('/api/session/refresh')).toBeGreaterThanOrEqual(2);
    expect(await calls('/api/session')).toBe(0);
    await driver.findElement(By.css('[data-testid=composer-input]')).clear();
    await addNote('Written by the active user');
    expect(await calls('/api/session')).toBe(0);

    await driver.sleep(26_000); // idle: the token lapses
    await addNote('Written after a silent re-launch');
    expect(await calls('/api/session')).toBe(1);
    expect((await driver.findElements(By.css('[data-testid=session-expired]'))).length).toBe(0);
    expect(await launchesAsked()).toBe(before + 1);
  }

  it('refuses a launch that another site opens top-level (login CSRF)', async () => {
    await driver.switchTo().defaultContent();
    await driver.get(stack.harnessUrl.replace('127.0.0.1', 'localhost'));
    await driver.executeAsyncScript(
      `const [widgetUrl, done] = arguments;
       fetch('/launch-token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub: 'mallory' }) })
         .then((response) => response.json())
         .then(({ jwt }) => {
           const form = Object.assign(document.createElement('form'), { method: 'POST', action: widgetUrl + '/launch' });
           form.append(Object.assign(document.createElement('input'), { name: 'jwt', value: jwt }));
           document.body.append(form);
           form.submit();
           done();
         });`,
      stack.widgetUrl,
    );
    await driver.wait(until.urlIs(`${stack.widgetUrl}/launch`), UI_WAIT_MS);
    expect(await driver.wait(until.elementLocated(By.id('error-code')), UI_WAIT_MS).getText()).toBe('launch_invalid');
    expect(await driver.getPageSource()).not.toContain('widget-bootstrap');
  });

  it('reads Hebrew right to left and makes only http links, marked to open a new tab with no opener or referrer', async () => {
    await openWidget(undefined, 'e2e:rtl');
    await addNote('שלום עולם.');
    await addNote('See https://example.com/specs and javascript:alert(6)');
    const direction = await driver.executeScript('return getComputedStyle([...document.querySelectorAll("[data-testid=note-body]")].find((b) => b.textContent.includes("שלום"))).direction');
    expect(direction).toBe('rtl');
    expect(await driver.executeScript(RIGHT_ALIGNED, 'שלום')).toBe(true);
    const links = await driver.findElements(By.css('[data-testid=note-body] a'));
    expect(links).toHaveLength(1);
    expect(await links[0]!.getAttribute('href')).toBe('https://example.com/specs');
    expect(await links[0]!.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await links[0]!.getAttribute('target')).toBe('_blank');
  });

  it('a silent re-launch as someone else does not post what the first user typed (issue 19 item 8)', async () => {
    await openWidget(undefined, 'e2e:switch');
    await driver.switchTo().defaultContent();
    await driver.findElement(By.css('#user option[value^="bob|"]')).click();
    await driver.findElement(By.id('expire')).click();
    await driver.wait(async () => /expired [1-9]\d* session\(s\) of alice/.test(await driver.findElement(By.id('log')).getText()), UI_WAIT_MS);
    await driver.switchTo().frame(await driver.findElement(By.css('#widget iframe')));

    await typeInto('[data-testid=composer-input]', 'Typed by Alice');
    await clickWhenEnabled(driver, '[data-testid=composer-submit]', UI_WAIT_MS);
    const switched = await driver.wait(until.elementLocated(By.css('[data-testid=session-switched]')), UI_WAIT_MS);
    expect(await switched.getText()).toContain('Bob Builder');
    expect(await driver.findElement(By.css('[data-testid=user-name]')).getText()).toBe('Bob Builder');
    expect(await driver.findElement(By.css('[data-testid=composer-input]')).getAttribute('value')).toBe('Typed by Alice');
    expect(await bodies()).toEqual([]);
    expect((await driver.findElements(By.css('[role=alert], [role=status]'))).length).toBe(1);
  });

  it('after "Sign out on host": one message that stays useful while the host refuses and goes away after recovering', async () => {
    await openWidget(undefined, 'e2e:host-sign-out');
    const harness = async (id: string, logged: RegExp) => {
      await driver.switchTo().defaultContent();
      await driver.findElement(By.id(id)).click();
      await driver.wait(async () => logged.test(await driver.findElement(By.id('log')).getText()), UI_WAIT_MS);
      await driver.switchTo().frame(await driver.findElement(By.css('#widget iframe')));
    };
    const messages = async () => (await driver.findElements(By.css('[role=alert], [role=status]'))).length;
    await harness('sign-out', /alice signed out on host/);
    await typeInto('[data-testid=composer-input]', 'Typed while signed out');
    await clickWhenEnabled(driver, '[data-testid=composer-submit]', UI_WAIT_MS);
    await driver.wait(until.elementLocated(By.css('[data-testid=session-expired]')), UI_WAIT_MS);
    expect(await messages()).toBe(1);
    await driver.findElement(By.css('[data-testid=session-recover]')).click();
    await driver.wait(async () => /Sign in to the site, then try again/.test(await driver.findElement(By.css('[data-testid=session-expired]')).getText()), UI_WAIT_MS);
    expect(await messages()).toBe(1);
    await harness('sign-in', /alice signed back in on host/);
    await driver.findElement(By.css('[data-testid=session-recover]')).click();
    await driver.wait(async () => (await messages()) === 0, UI_WAIT_MS);
    expect(await driver.findElement(By.css('[data-testid=composer-input]')).getAttribute('value')).toBe('Typed while signed out');
  });

  it('leaves no cookie for the widget origin in the browser', async () => {
    await driver.switchTo().defaultContent();
    await driver.get(`${stack.widgetUrl}/healthz`);
    expect(await driver.manage().getCookies()).toEqual([]);
  });

  it('two widgets of one thread on a page (the harness\'s second widget) see each other\'s notes live, and a stale edit is offered back', async () => {
    await driver.switchTo().defaultContent();
    await driver.get(stack.harnessUrl);
    await driver.executeScript('const s = document.getElementById("ctx"); s.add(new Option("e2e:live", "e2e:live")); s.value = "e2e:live"; document.getElementById("second").checked = true;');
    await driver.findElement(By.id('launch')).click();
    const enter = (id: string) => enterFrameWhenReady(driver, `#${id} iframe`, '[data-testid=user-name]', UI_WAIT_MS);
    const shows = async (text: string) => {
      try {
        await driver.wait(async () => (await retryIfStale(bodies)).includes(text), UI_WAIT_MS);
      } catch (err) {
        throw new Error(`"${text}" did not show: ${(await retryIfStale(bodies)).join(' | ')}\n${await whatHappened()}`, { cause: err });
      }
    };
    await enter('widget');
    await addNote('Written in widget one');
    await enter('widget2');
    await shows('Written in widget one');
    await addNote('Answered in widget two');
    await enter('widget');
    await shows('Answered in widget two');

    // Widget one opens its editor on the first note; widget two saves an edit of it meanwhile.
    const edit = async (text: string) => {
      await retryIfStale(async () => (await driver.findElements(By.css('[data-testid=note-edit]')))[1]!.click());
      await typeInto('[data-testid=note-edit-input]', text, true);
    };
    await edit('Edited in widget one, from an old copy');
    await enter('widget2');
    await edit('Edited in widget two');
    await clickWhenEnabled(driver, '[data-testid=note-save]', UI_WAIT_MS);
    await shows('Edited in widget two');
    await enter('widget');
    await clickWhenEnabled(driver, '[data-testid=note-save]', UI_WAIT_MS);
    const saved = await driver.wait(until.elementLocated(By.css('[data-testid=conflict-saved]')), UI_WAIT_MS);
    expect(await saved.getText()).toBe('Edited in widget two');
    expect(await driver.findElement(By.css('[data-testid=conflict-mine]')).getText()).toBe('Edited in widget one, from an old copy');
    await driver.wait(frameFitsContent, 5000);
    await driver.switchTo().defaultContent();
    await driver.sleep(300);
    // The whole page, as for webkit-light-800.png: WebKitWebDriver's element screenshots come out black.
    const png = await driver.takeScreenshot();
    fs.writeFileSync(screenshotPath('webkit-conflict-800.png'), Buffer.from(png, 'base64'));
    expect(Buffer.from(png, 'base64').length).toBeGreaterThan(1000);
    await enter('widget');
    await driver.findElement(By.css('[data-testid=conflict-use-saved]')).click();
    await shows('Edited in widget two');
  });

  it('saves a screenshot beside the Chromium ones, with right-to-left notes', async () => {
    await seedNotes(stack, { sub: 'alice', name: 'Alice Example', ctx: 'e2e:screens' }, SHOWCASE.alice);
    await seedNotes(stack, { sub: 'bob', name: 'Bob Builder', ctx: 'e2e:screens' }, SHOWCASE.bob);
    await openWidget(undefined, 'e2e:screens');
    expect(await driver.executeScript('return getComputedStyle(document.querySelector("[data-testid=note-body]")).direction')).toBe('rtl');
    // and sits at the right edge, where a right-to-left reader starts
    expect(await driver.executeScript(RIGHT_ALIGNED, 'ملاحظة')).toBe(true);
    await driver.wait(frameFitsContent, 60_000);
    await driver.switchTo().defaultContent();
    await driver.sleep(300);
    const png = await driver.takeScreenshot();
    fs.writeFileSync(screenshotPath('webkit-light-800.png'), Buffer.from(png, 'base64'));
    expect(Buffer.from(png, 'base64').length).toBeGreaterThan(1000);
  });
});

describe('WebKit: what a host page sees when the browser refuses the widget', () => {
  /** Opens a host page and returns the first thing its SDK reported. */
  async function firstEvent(site: HostSite, options: HostPageOptions): Promise<Record<string, unknown>> {
    await driver.switchTo().defaultContent();
    await driver.get(site.pageUrl(options));
    const read = () => driver.executeScript('return window.__events || []') as Promise<Array<Record<string, unknown>>>;
    await driver.wait(async () => (await read()).length > 0, 30_000);
    return (await read())[0]!;
  }

  it('ready on a registered page (the control)', async () => {
    expect(await firstEvent(sites.registered, {})).toEqual({ event: 'ready' });
  });

  it('frame_blocked when the page\'s origin is not registered (frame-ancestors), after readyTimeout', async () => {
    const event = await firstEvent(sites.unregistered, { readyTimeout: 10_000 });
    expect(event).toEqual({ event: 'error', code: 'frame_blocked', directive: 'frame-ancestors', message: expect.stringContaining(sites.unregistered.origin) });
  });

  it('frame_blocked at once when the page\'s own CSP refuses the form post (form-action \'self\')', async () => {
    const event = await firstEvent(sites.registered, { csp: "form-action 'self'", readyTimeout: 0 });
    expect(event).toMatchObject({ event: 'error', code: 'frame_blocked', directive: 'form-action' });
  });

  it('launch_refused with the server\'s code', async () => {
    const event = await firstEvent(sites.registered, { token: 'expired' });
    expect(event).toMatchObject({ event: 'error', code: 'launch_refused', serverCode: 'launch_expired' });
  });
});
