import { By, error, until, type WebDriver } from 'selenium-webdriver';

// What the WebKit suites (driven through WebKitWebDriver) do as a person would,
// where WebDriver alone would not: look again, and wait for a button to be ready.

/**
 * The widget re-renders as it hydrates and as notes settle; an element found a
 * moment earlier may be gone. Finding it again, a bounded number of times, is
 * what a person's eye does; anything else still fails.
 */
export async function retryIfStale<T>(action: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof error.StaleElementReferenceError) || attempt === attempts) throw err;
    }
  }
}

/** Clicks a button once it is enabled, as a person waits for a greyed-out one (WebDriver's click does not wait). */
export async function clickWhenEnabled(driver: WebDriver, css: string, timeoutMs: number): Promise<void> {
  await retryIfStale(async () => {
    const button = await driver.wait(until.elementLocated(By.css(css)), timeoutMs);
    await driver.wait(until.elementIsEnabled(button), timeoutMs);
    await button.click();
  });
}

/**
 * Switches into the iframe `frameCss` finds once `readyCss` shows in it. A frame still on its way
 * (the host SDK appends a blank iframe, then posts the launch form into it; an LTI login walks
 * redirects) unloads under a query made in it, which WebKitWebDriver reports as NoSuchFrameError
 * ("Callback was not called before the unload event"); a replaced one goes stale. Either way the
 * frame is found again and asked again, as a person looks again, until `timeoutMs` (a hang bound).
 */
export async function enterFrameWhenReady(driver: WebDriver, frameCss: string, readyCss: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await driver.switchTo().defaultContent();
      const [frame] = await driver.findElements(By.css(frameCss));
      if (frame) {
        await driver.switchTo().frame(frame);
        if ((await driver.findElements(By.css(readyCss))).length > 0) return;
      }
    } catch (err) {
      if (!(err instanceof error.NoSuchFrameError || err instanceof error.StaleElementReferenceError)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${readyCss} did not show in ${frameCss} within ${timeoutMs} ms`);
    await driver.sleep(100);
  }
}
