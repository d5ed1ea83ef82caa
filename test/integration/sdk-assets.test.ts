import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOf } from '../helpers/launchPage.ts';
import { rawRequest } from '../helpers/rawHttp.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// The host SDK as hosts load it (docs/integrating.md section 8): a versioned,
// pinnable URL with published hashes and declarations, validators, long caching
// for versioned and hashed files, and compressed text.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${t.url}${path}`, { headers });
const decode = (body: Buffer, encoding: string | undefined) =>
  encoding === 'br' ? zlib.brotliDecompressSync(body) : encoding === 'gzip' ? zlib.gunzipSync(body) : body;

describe('GET /sdk/v1/embed.js', () => {
  it('is a cross-origin module script with a long cache and a strong ETag', async () => {
    const response = await get('/sdk/v1/embed.js', { Origin: 'https://host.example' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/javascript/);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers['cache-control']).toBe('public, max-age=86400');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9+/]{27}"$/);
    expect(response.body.toString()).toContain('notes-widget');
  });

  it('answers 304 with no body when the browser already holds it', async () => {
    const first = await get('/sdk/v1/embed.js');
    const again = await get('/sdk/v1/embed.js', { 'If-None-Match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['cache-control']).toBe('public, max-age=86400');
    expect((await get('/sdk/v1/embed.js', { 'If-None-Match': '"something-else"' })).status).toBe(200);
  });

  it('is the same file at the unversioned /sdk/embed.js, revalidated more often', async () => {
    const [versioned, legacy] = await Promise.all([get('/sdk/v1/embed.js'), get('/sdk/embed.js')]);
    expect(legacy.body.equals(versioned.body)).toBe(true);
    expect(legacy.headers.etag).toBe(versioned.headers.etag);
    expect(legacy.headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('what a host pins and types against', () => {
  it('publishes the SRI hash of every versioned SDK file, matching the bytes served', async () => {
    const published = await get('/sdk/v1/integrity.json');
    expect(published.headers['access-control-allow-origin']).toBe('*');
    const integrity = JSON.parse(published.body.toString()) as Record<string, string>;
    expect(Object.keys(integrity).sort()).toEqual(['/sdk/v1/embed.d.ts', '/sdk/v1/embed.js']);
    for (const [path, value] of Object.entries(integrity)) {
      const body = (await get(path)).body;
      expect(value).toBe(`sha384-${crypto.createHash('sha384').update(body).digest('base64')}`);
    }
  });

  it('serves the TypeScript declarations beside the script', async () => {
    const response = await get('/sdk/v1/embed.d.ts');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/typescript; charset=utf-8');
    const text = response.body.toString();
    expect(text).toContain('export declare function mount(element: HTMLElement, options: MountOptions): WidgetHandle;');
    expect(text).toContain('readyTimeout?: number;');
    expect(text).not.toMatch(/^import /m);
  });

  it('keeps hashed widget files for a year', async () => {
    const page = await t.launch();
    const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(page.html)![1]!;
    expect((await get(script)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe('compression', () => {
  it('sends the SDK as brotli or gzip as the client accepts, each coding with its own validator', async () => {
    const plain = await get('/sdk/v1/embed.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
    const etags = new Set([plain.headers.etag]);
    for (const [accept, coding] of [['gzip, deflate, br, zstd', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip', 'gzip'], ['identity', undefined]] as const) {
      const response = await get('/sdk/v1/embed.js', { 'Accept-Encoding': accept });
      expect(response.headers['content-encoding']).toBe(coding);
      expect(decode(response.body, coding).equals(plain.body)).toBe(true);
      if (coding) {
        expect(response.body.length).toBeLessThan(plain.body.length / 2);
        etags.add(response.headers.etag);
        const revalidated = await get('/sdk/v1/embed.js', { 'Accept-Encoding': accept, 'If-None-Match': response.headers.etag! });
        expect(revalidated.status).toBe(304);
      }
    }
    expect(etags.size).toBe(3);
  });

  it('compresses the launch page, which stays no-store', async () => {
    const { token } = await t.launch({ ctx: 'page:thread' });
    for (let i = 0; i < 20; i++) await t.api('POST', '/api/notes', token, { body: `Note ${i}: ${'words that repeat '.repeat(5)}` });
    const launch = (encoding: string) =>
      rawRequest(`${t.url}/launch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Encoding': encoding },
        body: new URLSearchParams({ jwt: t.launchToken({ ctx: 'page:thread' }) }).toString(),
      });
    const [plain, br, gzip] = [await launch('identity'), await launch('br'), await launch('gzip')];
    expect([plain.status, br.status, gzip.status]).toEqual([200, 200, 200]);
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    for (const response of [plain, br, gzip]) {
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.vary).toMatch(/Accept-Encoding/i);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    expect(decode(br.body, 'br').toString()).toContain('id="widget-bootstrap"');
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
  });

  // The page is spliced from a part shared by the thread's launches, compressed once, and two
  // parts of its own (server/gzip/gzipParts.ts): gzip is chosen even where brotli is taken too.
  it('sends a browser the launch page as gzip that reads back as the same page, for every thread state', async () => {
    const ctx = 'page:spliced';
    const { token } = await t.launch({ ctx, picture: 'https://pictures.example/ada.png' });
    const launch = (encoding: string) =>
      rawRequest(`${t.url}/launch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Encoding': encoding },
        body: new URLSearchParams({ jwt: t.launchToken({ ctx, locale: 'de', picture: 'https://pictures.example/ada.png' }), theme: 'dark' }).toString(),
      });
    // Hides what differs between two launches: the nonce and the session token.
    const comparable = (html: string, csp: string) => {
      const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
      const bootstrap = bootstrapOf(html)!;
      expect(html.split(`nonce="${nonce}"`).length).toBe(2); // the one script
      return { html: html.replaceAll(nonce, 'NONCE').replaceAll(bootstrap.token, 'TOKEN'), csp: csp.replaceAll(nonce, 'NONCE') };
    };
    const posted: string[] = [];
    for (const body of ['', 'a first note <b>&amp;</b> "quoted" \u2026 \u{1f600}', 'a second note']) {
      if (body) {
        expect((await t.api('POST', '/api/notes', token, { body })).status).toBe(201);
        posted.push(body);
      }
      const [plain, browser, gzip, br] = [await launch('identity'), await launch('gzip, deflate, br, zstd'), await launch('gzip'), await launch('br')];
      expect([browser.headers['content-encoding'], gzip.headers['content-encoding'], br.headers['content-encoding']]).toEqual(['gzip', 'gzip', 'br']);
      const want = comparable(plain.body.toString(), plain.headers['content-security-policy'] as string);
      for (const response of [browser, gzip, br]) {
        expect(response.status).toBe(200);
        expect(response.headers.vary).toMatch(/Accept-Encoding/i);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(Number(response.headers['content-length'])).toBe(response.body.length);
        const html = decode(response.body, response.headers['content-encoding'] as string).toString();
        expect(comparable(html, response.headers['content-security-policy'] as string)).toEqual(want);
      }
      const bootstrap = bootstrapOf(decode(browser.body, 'gzip').toString())!;
      // Notes written at one instant of the test clock: their order is the ids', so compare as sets.
      expect(bootstrap.notes.map((n: { body: string }) => n.body).sort()).toEqual([...posted].sort());
      expect(Object.keys(bootstrap).sort()).toEqual(
        ['context', 'expiresAt', 'hostOrigins', 'lastEventId', 'locale', 'nextCursor', 'notes', 'renderedAt', 'theme', 'token', 'user', 'v'].sort(),
      );
      expect(bootstrap).toMatchObject({ v: 1, theme: 'dark', locale: 'de', context: ctx, user: { picture: 'https://pictures.example/ada.png' } });
      expect(want.csp).toContain("img-src 'self' data: https://pictures.example;");
      // ASCII, whatever the notes say: the parts are sent as their characters.
      expect(want.html).toMatch(/^[\x00-\x7f]*$/);
      if (body) expect(want.html).toContain('&quot;quoted&quot; &#x2026; &#x1f600;');
    }
  });

  it('compresses large API answers and leaves tiny ones alone', async () => {
    const { token } = await t.launch({ ctx: 'page:compress' });
    for (let i = 0; i < 30; i++) await t.api('POST', '/api/notes', token, { body: `Note ${i}: ${'words that repeat '.repeat(5)}` });
    const headers = { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip' };
    const notes = await get('/api/notes', headers);
    expect(notes.headers['content-encoding']).toBe('gzip');
    expect(notes.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(decode(notes.body, 'gzip').toString()).notes).toHaveLength(30);
    const me = await get('/api/me', headers);
    expect(me.body.length).toBeLessThan(1024);
    expect(me.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(me.body.toString()).user.name).toBe('Ada Lovelace');
  });
});
