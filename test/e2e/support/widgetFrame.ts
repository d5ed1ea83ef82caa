import type { Frame } from 'playwright-core';

// Person-level actions on the notes widget inside its iframe (Playwright).

export async function addNote(frame: Frame, body: string): Promise<void> {
  const before = await frame.locator('[data-testid=note]').count();
  await frame.fill('[data-testid=composer-input]', body);
  await frame.click('[data-testid=composer-submit]');
  await frame.locator('[data-testid=note]').nth(before).waitFor();
  await frame.locator('[data-testid=note].pending').waitFor({ state: 'detached' });
}

export async function noteBodies(frame: Frame): Promise<string[]> {
  return frame.locator('[data-testid=note-body]').allTextContents();
}
