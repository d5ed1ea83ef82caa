import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { bootstrapOf } from '../helpers/launchPage.ts';

// Issue 16: how the host asks the widget to present itself. Launch claims
// `locale`, `ctx_label` and `picture`; the SDK's `locale` form field.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let seq = 0;
const freshContext = () => `page:display-${++seq}`;

async function refused(overrides: Record<string, unknown>) {
  const response = await fetch(`${t.url}/launch`, { method: 'POST', body: new URLSearchParams({ jwt: t.launchToken(overrides) }) });
  return { status: response.status, html: await response.text() };
}

const imgSrc = (response: Response) => /img-src ([^;]*)/.exec(response.headers.get('content-security-policy') ?? '')![1];

describe('the locale', () => {
  it('comes from the "locale" claim, in its canonical form, and dates are written in it on the server too', async () => {
    const { bootstrap } = await t.launch({ ctx: freshContext(), locale: 'pt-br' });
    expect(bootstrap.locale).toBe('pt-BR');
  });

  it('else from the SDK\'s "locale" option (a form field); the claim wins over it; an unreadable option is dropped', async () => {
    const post = async (fields: Record<string, string>, claims: Record<string, unknown> = {}) => {
      const response = await fetch(`${t.url}/launch`, { method: 'POST', body: new URLSearchParams({ jwt: t.launchToken({ ctx: freshContext(), ...claims }), ...fields }) });
      const html = await response.text();
      return bootstrapOf(html)! as { locale?: string };
    };
    expect((await post({ locale: 'he' })).locale).toBe('he');
    expect((await post({ locale: 'he' }, { locale: 'ar' })).locale).toBe('ar');
    expect((await post({ locale: 'not a locale!' })).locale).toBeUndefined();
    expect((await post({})).locale).toBeUndefined();
  });

  it('refuses a launch whose "locale" claim is not a language tag', async () => {
    for (const locale of ['', 'x'.repeat(40), 'en_US!', 42]) {
      const { status, html } = await refused({ locale });
      expect(status).toBe(401);
      expect(html).toContain('launch_invalid');
    }
  });
});

describe('the context label', () => {
  it('is shown in the header instead of the raw context id, and the bootstrap carries it', async () => {
    const ctx = `${freshContext()}-raw-id`;
    const { bootstrap, html } = await t.launch({ ctx, ctx_label: 'Page: Onboarding' });
    expect(bootstrap.contextLabel).toBe('Page: Onboarding');
    const app = /<div id="app">([\s\S]*?)<script/.exec(html)![1]!;
    expect(app).toContain('Page: Onboarding');
    expect(app).not.toContain('raw-id');
  });

  it('is also in the answer of POST /api/session (a re-launch), with the locale', async () => {
    const response = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ ctx: freshContext(), ctx_label: 'Ticket 7', locale: 'fr' }) });
    expect(await response.json()).toMatchObject({ contextLabel: 'Ticket 7', locale: 'fr' });
  });
});

describe('the user\'s picture', () => {
  it('is shown beside their notes from the https URL the host sent, and the page may load images from that exact origin only', async () => {
    const ctx = freshContext();
    const picture = 'https://cdn.host.example/avatars/ada.png?size=64';
    const { token, bootstrap, response } = await t.launch({ ctx, sub: 'ada', picture });
    expect(bootstrap.user.picture).toBe(picture);
    expect(imgSrc(response)).toBe("'self' data: https://cdn.host.example");
    const posted = await t.api('POST', '/api/notes', token, { body: 'with a face' });
    expect(((await posted.json()) as { note: { author: { picture?: string } } }).note.author.picture).toBe(picture);
    // Someone else opening the thread sees Ada's picture, and their page allows its origin.
    const reader = await t.launch({ ctx, sub: 'reader' });
    expect(reader.bootstrap.notes[0].author.picture).toBe(picture);
    expect(reader.bootstrap.user.picture).toBeUndefined();
    expect(imgSrc(reader.response)).toBe("'self' data: https://cdn.host.example");
    expect(reader.html).toContain('class="avatar" src="https://cdn.host.example/avatars/ada.png?size=64"');
  });

  it('without one: initials, and no image origin in the CSP', async () => {
    const ctx = freshContext();
    const { token, response } = await t.launch({ ctx, name: 'Ada Lovelace' });
    expect(imgSrc(response)).toBe("'self' data:");
    await t.api('POST', '/api/notes', token, { body: 'initials' });
    const again = await t.launch({ ctx, name: 'Ada Lovelace' });
    expect(again.html).toContain('<span class="avatar" aria-hidden="true">AL</span>');
  });

  it('follows the latest launch: a launch without it removes it', async () => {
    const ctx = freshContext();
    await t.launch({ ctx, sub: 'changer', picture: 'https://cdn.host.example/a.png' });
    const { token } = await t.launch({ ctx, sub: 'changer' });
    const posted = await t.api('POST', '/api/notes', token, { body: 'no picture now' });
    expect(((await posted.json()) as { note: { author: Record<string, unknown> } }).note.author).not.toHaveProperty('picture');
  });

  it('refuses a launch whose "picture" is not an https URL (http, data:, javascript:, credentials, too long)', async () => {
    for (const picture of ['http://cdn.host.example/a.png', 'data:image/png;base64,AAAA', 'javascript:alert(1)', 'https://user:pw@cdn.host.example/a.png', `https://cdn.host.example/${'a'.repeat(2048)}`, 'not a url', 7]) {
      const { status, html } = await refused({ picture });
      expect(`${String(picture).slice(0, 40)} -> ${status}`).toBe(`${String(picture).slice(0, 40)} -> 401`);
      expect(html).toContain('launch_invalid');
    }
  });
});
