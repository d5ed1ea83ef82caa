import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../helpers/testApp.ts';

let t: TestApp;
let otherTenant: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  otherTenant = await t.addTenant('other-host');
});
afterAll(() => t.close());

interface NoteJson {
  id: string;
  body: string;
  author: { id: string; name: string | null };
  createdAt: string;
  updatedAt: string;
  version: number;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// Note ids are time-ordered UUIDs (v7): new notes append to the primary-key index.
const NOTE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Each test gets its own context so threads do not bleed into each other.
let contextSeq = 0;
const freshContext = () => `page:notes-${++contextSeq}`;

async function session(overrides: Record<string, unknown> = {}, tenant?: TestTenant) {
  const { token, bootstrap } = await t.launch(overrides, tenant);
  return { token, userId: bootstrap.user.id as string };
}

async function post(token: string, body: unknown): Promise<NoteJson> {
  const response = await t.api('POST', '/api/notes', token, body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { note: NoteJson }).note;
}

async function list(token: string, query = ''): Promise<{ notes: NoteJson[]; nextCursor: string | null }> {
  const response = await t.api('GET', `/api/notes${query}`, token);
  expect(response.status).toBe(200);
  return (await response.json()) as { notes: NoteJson[]; nextCursor: string | null };
}

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

function raw(method: string, path: string, token: string, body: string, contentType = 'application/json') {
  return fetch(`${t.url}${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });
}

describe('POST /api/notes', () => {
  it('creates a note by the caller and answers 201 with the protocol shape', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', name: 'Alice', ctx });
    const response = await t.api('POST', '/api/notes', alice.token, { body: 'Hello there' });
    expect(response.status).toBe(201);
    const { note } = (await response.json()) as { note: NoteJson };
    expect(note).toEqual({
      id: expect.stringMatching(NOTE_ID),
      body: 'Hello there',
      author: { id: alice.userId, name: 'Alice' },
      createdAt: new Date(t.clock.now()).toISOString(),
      updatedAt: new Date(t.clock.now()).toISOString(),
      version: 1,
    });
    expect(note.createdAt).toMatch(ISO);
  });

  it('answers with the note exactly as a later read returns it', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice-again', name: 'Alice Again', ctx });
    const answered = await post(alice.token, { body: '  written, then read back  ' });
    expect((await list(alice.token)).notes).toEqual([answered]);
  });

  it('stores the body trimmed', async () => {
    const alice = await session({ ctx: freshContext() });
    expect((await post(alice.token, { body: '  \n spaced out \t\n' })).body).toBe('spaced out');
  });

  it('keeps markup as plain text', async () => {
    const alice = await session({ ctx: freshContext() });
    const body = '<img src=x onerror=alert(1)> & "quotes"';
    expect((await post(alice.token, { body })).body).toBe(body);
  });

  it('accepts exactly 4000 characters, counting an emoji as one', async () => {
    const alice = await session({ ctx: freshContext() });
    expect((await post(alice.token, { body: 'a'.repeat(4000) })).body).toHaveLength(4000);
    expect((await post(alice.token, { body: '😀'.repeat(4000) })).body).toBe('😀'.repeat(4000));
  });
});

describe('note body validation', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no body field', { text: 'hi' }, /"body"/],
    ['a non-string body', { body: 42 }, /must be a string/],
    ['an empty body', { body: '' }, /cannot be empty/],
    ['a whitespace-only body', { body: ' \n\t ' }, /cannot be empty/],
    ['4001 characters', { body: 'x'.repeat(4001) }, /at most 4000 characters; this one has 4001/],
    ['a NUL character', { body: 'a\u0000b' }, /cannot be stored/],
    ['an unpaired surrogate', { body: 'a\ud800b' }, /cannot be stored/],
  ];
  for (const [name, body, message] of cases) {
    it(`rejects ${name} with 400 validation_failed`, async () => {
      const alice = await session({ ctx: freshContext() });
      const result = await errorOf(await t.api('POST', '/api/notes', alice.token, body));
      expect(result).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(result.message).toMatch(message);
    });
  }

  it('rejects a body that is not JSON, malformed JSON and a JSON array', async () => {
    const alice = await session({ ctx: freshContext() });
    const form = await errorOf(await raw('POST', '/api/notes', alice.token, 'body=hi', 'application/x-www-form-urlencoded'));
    expect(form).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(form.message).toMatch(/JSON/);
    expect(await errorOf(await raw('POST', '/api/notes', alice.token, '{"body":'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await errorOf(await raw('POST', '/api/notes', alice.token, '["hi"]'))).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await list(alice.token)).notes).toEqual([]);
  });

  it('answers 413 payload_too_large for an oversized request body', async () => {
    const alice = await session({ ctx: freshContext() });
    const result = await errorOf(await raw('POST', '/api/notes', alice.token, JSON.stringify({ body: 'x'.repeat(40_000) })));
    expect(result).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('validates PATCH bodies the same way and leaves the note unchanged', async () => {
    const alice = await session({ ctx: freshContext() });
    const note = await post(alice.token, { body: 'original' });
    const result = await errorOf(await t.api('PATCH', `/api/notes/${note.id}`, alice.token, { body: '   ' }));
    expect(result).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await list(alice.token)).notes[0]!.body).toBe('original');
  });
});

describe('GET /api/notes', () => {
  it('answers an empty thread as { notes: [], nextCursor: null, lastEventId: "0" }', async () => {
    const alice = await session({ ctx: freshContext() });
    expect(await list(alice.token)).toEqual({ notes: [], nextCursor: null, lastEventId: '0' });
  });

  it('lists the context newest first, with every author', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', name: 'Alice', ctx });
    const bob = await session({ sub: 'bob', name: 'Bob', ctx });
    await post(alice.token, { body: 'first' });
    t.clock.advance(5);
    await post(bob.token, { body: 'second' });
    t.clock.advance(5);
    await post(alice.token, { body: 'third' });
    const { notes } = await list(bob.token);
    expect(notes.map((n) => [n.body, n.author.name])).toEqual([
      ['third', 'Alice'],
      ['second', 'Bob'],
      ['first', 'Alice'],
    ]);
  });

  it('shows the author under their latest display name', async () => {
    const ctx = freshContext();
    const carol = await session({ sub: 'carol', name: 'Carol', ctx });
    await post(carol.token, { body: 'hi' });
    await session({ sub: 'carol', name: 'Carol Danvers', ctx });
    expect((await list(carol.token)).notes[0]!.author.name).toBe('Carol Danvers');
  });

  it('needs a session token', async () => {
    expect((await errorOf(await t.api('GET', '/api/notes'))).code).toBe('token_missing');
  });
});

describe('scoping by tenant and context', () => {
  it('never lists or reveals notes of another context or tenant', async () => {
    const ctx = freshContext();
    const here = await session({ sub: 'alice', ctx });
    const otherContext = await session({ sub: 'alice', ctx: freshContext() });
    // Same host user id and context, different tenant: a different user in a different space.
    const otherTenantUser = await session({ sub: 'alice', ctx }, otherTenant);
    const note = await post(here.token, { body: 'private to this context' });

    expect((await list(otherContext.token)).notes).toEqual([]);
    expect((await list(otherTenantUser.token)).notes).toEqual([]);
    for (const other of [otherContext, otherTenantUser]) {
      expect(await errorOf(await t.api('PATCH', `/api/notes/${note.id}`, other.token, { body: 'hijack' }))).toMatchObject({ status: 404, code: 'not_found' });
      expect(await errorOf(await t.api('DELETE', `/api/notes/${note.id}`, other.token))).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect((await list(here.token)).notes.map((n) => n.body)).toEqual(['private to this context']);
  });

  it('gives the same user a separate thread per context', async () => {
    const a = await session({ sub: 'dave', ctx: freshContext() });
    const b = await session({ sub: 'dave', ctx: freshContext() });
    await post(a.token, { body: 'in a' });
    await post(b.token, { body: 'in b' });
    expect((await list(a.token)).notes.map((n) => n.body)).toEqual(['in a']);
    expect((await list(b.token)).notes.map((n) => n.body)).toEqual(['in b']);
  });
});

describe('PATCH /api/notes/:id', () => {
  it('lets the author change the body and bumps updatedAt only', async () => {
    const alice = await session({ name: 'Alice', ctx: freshContext() });
    const created = await post(alice.token, { body: 'draft' });
    t.clock.advance(60);
    const response = await t.api('PATCH', `/api/notes/${created.id}`, alice.token, { body: '  final  ' });
    expect(response.status).toBe(200);
    const { note } = (await response.json()) as { note: NoteJson };
    expect(note).toEqual({ ...created, body: 'final', updatedAt: new Date(t.clock.now()).toISOString(), version: 2 });
    expect((await list(alice.token)).notes).toEqual([note]);
  });

  it('answers 403 forbidden to someone else in the same context and changes nothing', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', ctx });
    const bob = await session({ sub: 'bob', ctx });
    const note = await post(alice.token, { body: "alice's" });
    expect(await errorOf(await t.api('PATCH', `/api/notes/${note.id}`, bob.token, { body: "bob's now" }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await list(alice.token)).notes[0]!.body).toBe("alice's");
  });
});

describe('DELETE /api/notes/:id', () => {
  it('lets the author delete: 204, gone from the list, a second delete is 404', async () => {
    const alice = await session({ ctx: freshContext() });
    const keep = await post(alice.token, { body: 'keep' });
    const drop = await post(alice.token, { body: 'drop' });
    const response = await t.api('DELETE', `/api/notes/${drop.id}`, alice.token);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect((await list(alice.token)).notes.map((n) => n.id)).toEqual([keep.id]);
    expect((await errorOf(await t.api('DELETE', `/api/notes/${drop.id}`, alice.token))).code).toBe('not_found');
  });

  it('answers 403 forbidden to someone else in the same context and keeps the note', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', ctx });
    const bob = await session({ sub: 'bob', ctx });
    const note = await post(alice.token, { body: 'mine' });
    expect(await errorOf(await t.api('DELETE', `/api/notes/${note.id}`, bob.token))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await list(bob.token)).notes.map((n) => n.id)).toEqual([note.id]);
  });
});

describe('note ids in the path', () => {
  const badIds = ['not-a-uuid', '1', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', 'x'.repeat(2000), '%00', '..%2F..%2Fetc'];
  for (const id of badIds) {
    it(`answers 404 not_found (never 5xx) for ${JSON.stringify(id.slice(0, 30))}`, async () => {
      const alice = await session({ ctx: freshContext() });
      for (const method of ['PATCH', 'DELETE']) {
        const response = await t.api(method, `/api/notes/${id}`, alice.token, method === 'PATCH' ? { body: 'x' } : undefined);
        expect(await errorOf(response)).toMatchObject({ status: 404, code: 'not_found' });
      }
    });
  }

  it('answers 404 for a well-formed id that does not exist', async () => {
    const alice = await session({ ctx: freshContext() });
    const response = await t.api('DELETE', '/api/notes/3f1c2b8e-8a8d-4e57-9a51-1f0c8e0b9d11', alice.token);
    expect(await errorOf(response)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('accepts the id in upper case', async () => {
    const alice = await session({ ctx: freshContext() });
    const note = await post(alice.token, { body: 'x' });
    expect((await t.api('DELETE', `/api/notes/${note.id.toUpperCase()}`, alice.token)).status).toBe(204);
  });
});

describe('pagination', () => {
  async function threadOf(count: number, sameInstant: boolean) {
    const alice = await session({ ctx: freshContext() });
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      bodies.push(`note ${i}`);
      await post(alice.token, { body: `note ${i}` });
      if (!sameInstant) t.clock.advance(1);
    }
    return { token: alice.token, bodies };
  }

  async function walk(token: string, limit: number) {
    const pages: string[][] = [];
    let query = `?limit=${limit}`;
    for (let guard = 0; guard < 20; guard++) {
      const page = await list(token, query);
      pages.push(page.notes.map((n) => n.body));
      if (!page.nextCursor) break;
      query = `?limit=${limit}&before=${encodeURIComponent(page.nextCursor)}`;
    }
    return pages;
  }

  it('walks a thread newest first in pages of `limit`, each note exactly once', async () => {
    const { token, bodies } = await threadOf(7, false);
    const pages = await walk(token, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...bodies].reverse());
  });

  it('never skips or repeats notes created in the same millisecond', async () => {
    const { token, bodies } = await threadOf(5, true);
    const pages = await walk(token, 2);
    expect(pages.flat().sort()).toEqual([...bodies].sort());
    expect(new Set(pages.flat()).size).toBe(5);
  });

  it('answers nextCursor null when the last page is exactly full', async () => {
    const { token } = await threadOf(4, false);
    expect((await list(token, '?limit=4')).nextCursor).toBeNull();
  });

  it('defaults to 50 notes per page', async () => {
    const { token } = await threadOf(52, false);
    const first = await list(token);
    expect(first.notes).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
  });

  const badQueries: Array<[string, string]> = [
    ['limit=0', '?limit=0'],
    ['limit=101', '?limit=101'],
    ['limit=abc', '?limit=abc'],
    ['limit=-1', '?limit=-1'],
    ['limit=1.5', '?limit=1.5'],
    ['a repeated limit', '?limit=1&limit=2'],
    ['a garbage cursor', '?before=garbage'],
    ['a cursor with a bad id', `?before=${Buffer.from('123.not-a-uuid-not-a-uuid-not-a-uuid-xx').toString('base64url')}`],
  ];
  for (const [name, query] of badQueries) {
    it(`rejects ${name} with 400 validation_failed`, async () => {
      const alice = await session({ ctx: freshContext() });
      expect(await errorOf(await t.api('GET', `/api/notes${query}`, alice.token))).toMatchObject({ status: 400, code: 'validation_failed' });
    });
  }

  it('cannot be used to read another context through a cursor', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', ctx });
    await post(alice.token, { body: 'a' });
    t.clock.advance(1);
    await post(alice.token, { body: 'b' });
    const { nextCursor } = await list(alice.token, '?limit=1');
    const stranger = await session({ sub: 'mallory', ctx: freshContext() });
    expect((await list(stranger.token, `?before=${encodeURIComponent(nextCursor!)}`)).notes).toEqual([]);
  });
});

describe('the launch page renders the thread server-side', () => {
  it('puts the first page of notes in the markup and in the bootstrap block', async () => {
    const ctx = freshContext();
    const alice = await session({ sub: 'alice', name: 'Alice', ctx });
    await post(alice.token, { body: 'older' });
    t.clock.advance(2);
    await post(alice.token, { body: '</script><script>alert(1)</script> & <b>bold</b>' });

    const { html, bootstrap } = await t.launch({ sub: 'bob', name: 'Bob', ctx });
    const app = /<div id="app">([\s\S]*?)<\/div>\s*<script type="application\/json"/.exec(html)![1]!;
    expect(app).toContain('data-testid="note-list"');
    expect(app).toContain('&lt;/script>&lt;script>alert(1)&lt;/script> &amp; &lt;b>bold&lt;/b>');
    expect(app).not.toContain('<b>bold');
    expect(app).toContain('older');
    expect(app).toContain('data-testid="user-name">Bob<');
    expect(app).not.toMatch(/style=/);
    expect(bootstrap.notes.map((n: NoteJson) => n.body)).toEqual(['</script><script>alert(1)</script> & <b>bold</b>', 'older']);
    expect(bootstrap.nextCursor).toBeNull();
    expect(bootstrap.renderedAt).toBe(t.clock.now());
    // Bob may not edit Alice's notes, so the server renders no edit buttons for them.
    expect(app).not.toContain('data-testid="note-edit"');
  });

  it('renders the empty state for a new context', async () => {
    const { html, bootstrap } = await t.launch({ ctx: freshContext() });
    expect(html).toContain('data-testid="notes-empty"');
    expect(bootstrap.notes).toEqual([]);
  });
});
