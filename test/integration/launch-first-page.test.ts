import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstPageCache } from '../../server/page/firstPageCache.ts';
import { asciiHtml } from '../../server/page/escape.ts';
import type { ApiClient } from '../../widget/api.ts';
import { App } from '../../widget/App.tsx';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// The launch page's first page of notes is read and rendered once per thread
// and shared by the launches that follow (server/page/firstPageCache.ts),
// until the thread changes.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let contextSeq = 0;
const freshContext = () => `page:first-page-${++contextSeq}`;

const appMarkupOf = (html: string) => /<div id="app">([\s\S]*?)<\/div>\s*<script type="application\/json"/.exec(html)![1]!;
const bodiesOf = (bootstrap: Record<string, any>) => (bootstrap.notes as Array<{ body: string }>).map((n) => n.body);

async function post(token: string, body: string): Promise<{ id: string; version: number }> {
  const response = await t.api('POST', '/api/notes', token, { body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { note: { id: string; version: number } }).note;
}

describe('the launch page after a change to its thread', () => {
  it('shows a note created, edited or deleted since the last launch of the thread', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice', name: 'Alice', ctx });
    const created = await post(alice.token, 'first words');
    let page = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(bodiesOf(page.bootstrap)).toEqual(['first words']);
    expect(appMarkupOf(page.html)).toContain('first words');

    const edited = await t.api('PATCH', `/api/notes/${created.id}`, alice.token, { body: 'second thoughts' });
    expect(edited.status).toBe(200);
    page = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(bodiesOf(page.bootstrap)).toEqual(['second thoughts']);
    expect(appMarkupOf(page.html)).toContain('second thoughts');
    expect(appMarkupOf(page.html)).not.toContain('first words');

    const deleted = await fetch(`${t.url}/api/notes/${created.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.token}`, 'If-Match': '"v2"' } });
    expect(deleted.status).toBe(204);
    page = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(page.bootstrap.notes).toEqual([]);
    expect(page.html).toContain('data-testid="notes-empty"');
  });

  it('starts the live stream after the last change the page shows', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice', name: 'Alice', ctx });
    await post(alice.token, 'one');
    const before = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    await post(alice.token, 'two');
    const after = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(Number(after.bootstrap.lastEventId)).toBe(Number(before.bootstrap.lastEventId) + 1);
  });
});

describe('the launch page while its thread is unchanged', () => {
  it('shares one render of the thread between viewers, each named in their own header', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice', name: 'Alice', ctx });
    await post(alice.token, 'shared');
    const first = await t.launch({ sub: 'alice', name: 'Alice', ctx });
    t.clock.advance(5);
    const second = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    // The same render: made at the first launch, with the times of then, which hydration replaces.
    expect(second.bootstrap.renderedAt).toBe(first.bootstrap.renderedAt);
    expect(appMarkupOf(second.html)).toContain('data-testid="user-name">Bob<');
    expect(appMarkupOf(first.html)).toContain('data-testid="user-name">Alice<');
    const thread = (html: string) => appMarkupOf(html).replace(/^[\s\S]*?<\/header>/, '');
    expect(thread(second.html)).toBe(thread(first.html));
    // Edit controls come with hydration, for the viewer's own notes: none in the shared markup.
    expect(appMarkupOf(first.html)).not.toContain('data-testid="note-edit"');
  });

  it('reads the thread again after 30 seconds: an author\'s new name shows without a change to the thread', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice-renamed', name: 'Alice', ctx });
    await post(alice.token, 'by alice');
    const first = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(first.bootstrap.notes[0].author.name).toBe('Alice');
    await t.launch({ sub: 'alice-renamed', name: 'Alice Liddell', ctx });
    t.clock.advance(30);
    const later = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    expect(later.bootstrap.notes[0].author.name).toBe('Alice Liddell');
    expect(appMarkupOf(later.html)).toContain('Alice Liddell');
    expect(later.bootstrap.renderedAt).toBe(t.clock.now());
  });

  it('renders per locale: each launch gets its own language', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice', name: 'Alice', ctx });
    await post(alice.token, 'hola');
    t.clock.advance(3 * 3600);
    const english = await t.launch({ sub: 'bob', ctx });
    const german = await t.launch({ sub: 'bob', ctx, locale: 'de' });
    expect(appMarkupOf(english.html)).toContain('3 hr. ago');
    expect(appMarkupOf(german.html)).toContain('vor 3 Std.');
  });

  it('is the markup the widget renders before hydration, for the same bootstrap', async () => {
    const ctx = freshContext();
    const alice = await t.launch({ sub: 'alice', name: 'Ålice <b>', ctx });
    await post(alice.token, 'mine … with <markup> & a link https://example.com');
    const bob = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    await post(bob.token, 'theirs');
    await t.launch({ sub: 'carol', ctx, locale: 'fr', ctx_label: 'Page: Accueil' });
    const { html, bootstrap: b } = await t.launch({ sub: 'alice', name: 'Ålice <b>', ctx, locale: 'fr', ctx_label: 'Page: Accueil' });
    const api = {} as ApiClient; // a render makes no calls
    const props = { api, session: { user: b.user, context: b.context }, initial: { notes: b.notes, nextCursor: b.nextCursor, lastEventId: b.lastEventId }, renderedAt: b.renderedAt, locale: b.locale, contextLabel: b.contextLabel };
    expect(appMarkupOf(html)).toBe(asciiHtml(renderToString(h(App, props))));
  });
});

describe('the first-page cache', () => {
  it('holds at most maxThreads threads, dropping the least recently launched', async () => {
    const renders: string[] = [];
    const cache = createFirstPageCache({ db: t.db, clock: t.clock, options: { maxThreads: 3 }, render: (page) => (renders.push(page.lastEventId!), `<p>${page.notes.length}</p>`), sizeOf: (html) => html.length });
    const scope = (ctx: string) => ({ tenantId: t.tenant.id, ctx });
    for (const ctx of ['a', 'b', 'c', 'd']) await cache(scope(ctx), undefined);
    expect(cache.size).toBe(3);
    expect(renders).toHaveLength(4);
    await cache(scope('b'), undefined); // still held
    expect(renders).toHaveLength(4);
    await cache(scope('a'), undefined); // dropped: read and rendered again
    expect(renders).toHaveLength(5);
    expect(cache.size).toBe(3);
  });

  it('holds at most maxChars characters, whatever the number of threads', async () => {
    const cache = createFirstPageCache({ db: t.db, clock: t.clock, options: { maxChars: 2500 }, render: () => 'x'.repeat(1000), sizeOf: (html) => html.length });
    for (const ctx of ['a', 'b', 'c', 'd']) await cache({ tenantId: t.tenant.id, ctx }, undefined);
    expect(cache.size).toBe(2);
    // A render in a further language counts too.
    await cache({ tenantId: t.tenant.id, ctx: 'd' }, 'de');
    expect(cache.size).toBe(1);
  });
});
