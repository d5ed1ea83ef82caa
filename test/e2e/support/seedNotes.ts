import type { Stack } from './stack.ts';

// Notes written straight through the API, the way a host user would through
// their own widget: a launch token from the harness backend, a session, posts.
// Many notes in one step, where typing them in a browser would take minutes.

const json = { 'Content-Type': 'application/json' };

async function answer<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function seedNotes(stack: Stack, as: { sub: string; name: string; ctx: string }, bodies: string[]): Promise<void> {
  const { jwt } = await answer<{ jwt: string }>(await fetch(`${stack.harnessUrl}/launch-token`, { method: 'POST', headers: json, body: JSON.stringify(as) }));
  const { token } = await answer<{ token: string }>(await fetch(`${stack.widgetUrl}/api/session`, { method: 'POST', headers: json, body: JSON.stringify({ jwt }) }));
  for (const body of bodies) {
    await answer(await fetch(`${stack.widgetUrl}/api/notes`, { method: 'POST', headers: { ...json, Authorization: `Bearer ${token}` }, body: JSON.stringify({ body }) }));
  }
}

/** Notes for screenshots: a link, and Hebrew and Arabic text that must read right to left. */
export const SHOWCASE = {
  alice: ['Draft is ready for review: https://example.com/specs/onboarding (see section 2).', 'Looks good to me. Shipping Friday.'],
  bob: ['הערה בעברית: הטיוטה מוכנה לבדיקה.', 'ملاحظة بالعربية: المسودة جاهزة للمراجعة.'],
};
