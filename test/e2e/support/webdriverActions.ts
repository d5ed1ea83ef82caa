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
