import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Issue 16: edits and deletes carry the version they were based on (If-Match
// with the note's ETag); a stale one is refused with 409 conflict and the
// current note, never applied over a newer edit.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface NoteJson {
  id: string;
  body: string;
  version: number;
  updatedAt: string;
}

let seq = 0;
async function aliceWithNote(body = 'first') {
  const { token } = await t.launch({ sub: 'alice', ctx: `page:versions-${++seq}` });
  const response = await t.api('POST', '/api/notes', token, { body });
  return { token, response, note: ((await response.json()) as { note: NoteJson }).note };
}

function send(method: 'PATCH' | 'DELETE', id: string, token: string, headers: Record<string, string>, body?: unknown) {
  return fetch(`${t.url}/api/notes/${id}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
}

const bodyOf = async (response: Response) => (await response.json()) as { note: NoteJson; error?: { code: string; message: string } };

describe('note versions and ETags', () => {
  it('starts a note at version 1 with ETag "v1", and each edit moves both on', async () => {
    const { token, response, note } = await aliceWithNote();
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(note.version).toBe(1);
    const edited = await send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: 'second' });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).toBe('"v2"');
    expect((await bodyOf(edited)).note).toMatchObject({ body: 'second', version: 2 });
    const listed = (await (await t.api('GET', '/api/notes', token)).json()) as { notes: NoteJson[] };
    expect(listed.notes[0]).toMatchObject({ id: note.id, version: 2 });
  });
});

describe('a stale edit', () => {
  it('is refused with 409 conflict, the current note and its ETag, and changes nothing', async () => {
    const { token, note } = await aliceWithNote('original');
    // Tab A saves first.
    expect((await send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: 'from tab A' })).status).toBe(200);
    // Tab B still has version 1.
    const stale = await send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: 'from tab B' });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('etag')).toBe('"v2"');
    const answer = await bodyOf(stale);
    expect(answer.error).toMatchObject({ code: 'conflict' });
    expect(answer.note).toMatchObject({ id: note.id, body: 'from tab A', version: 2 });
    const listed = (await (await t.api('GET', '/api/notes', token)).json()) as { notes: NoteJson[] };
    expect(listed.notes[0]!.body).toBe('from tab A');
  });

  it('goes through when sent again based on the current version (the person chose to keep theirs)', async () => {
    const { token, note } = await aliceWithNote('original');
    await send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: 'from tab A' });
    const kept = await send('PATCH', note.id, token, { 'If-Match': '"v2"' }, { body: 'from tab B, kept' });
    expect(kept.status).toBe(200);
    expect((await bodyOf(kept)).note).toMatchObject({ body: 'from tab B, kept', version: 3 });
  });

  it('refuses a stale delete the same way and keeps the note', async () => {
    const { token, note } = await aliceWithNote('original');
    await send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: 'edited' });
    const stale = await send('DELETE', note.id, token, { 'If-Match': '"v1"' });
    expect(stale.status).toBe(409);
    expect((await bodyOf(stale)).note).toMatchObject({ body: 'edited', version: 2 });
    expect((await send('DELETE', note.id, token, { 'If-Match': '"v2"' })).status).toBe(204);
  });

  it('lets exactly one of two concurrent edits from the same version win', async () => {
    const { token, note } = await aliceWithNote('original');
    const answers = await Promise.all(['A', 'B', 'C'].map((tab) => send('PATCH', note.id, token, { 'If-Match': '"v1"' }, { body: `from ${tab}` })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });
});

describe('If-Match rules (RFC 9110 section 13.1.1)', () => {
  it('accepts "*" and a list that holds the current tag; never a weak tag', async () => {
    const { token, note } = await aliceWithNote();
    expect((await send('PATCH', note.id, token, { 'If-Match': '*' }, { body: 'any' })).status).toBe(200);
    expect((await send('PATCH', note.id, token, { 'If-Match': '"v1", "v2"' }, { body: 'listed' })).status).toBe(200);
    expect((await send('PATCH', note.id, token, { 'If-Match': 'W/"v3"' }, { body: 'weak' })).status).toBe(409);
  });

  it('without If-Match, applies the change to the version it read (older clients)', async () => {
    const { token, note } = await aliceWithNote();
    const response = await send('PATCH', note.id, token, {}, { body: 'no condition' });
    expect(response.status).toBe(200);
    expect((await bodyOf(response)).note.version).toBe(2);
  });

  it('answers a malformed If-Match with 400 validation_failed, never a 5xx', async () => {
    const { token, note } = await aliceWithNote();
    for (const value of ['v1', '"v1', 'W/v1', '"v1",,', '"a"b"']) {
      const response = await send('PATCH', note.id, token, { 'If-Match': value }, { body: 'x' });
      expect(`${value} -> ${response.status}`).toBe(`${value} -> 400`);
      expect((await bodyOf(response)).error!.code).toBe('validation_failed');
    }
  });

  it('still answers 404 for a note outside the thread and 403 for someone else\'s, whatever If-Match says', async () => {
    const { note } = await aliceWithNote();
    const bob = await t.launch({ sub: 'bob', ctx: `page:versions-${seq}` });
    expect((await send('PATCH', note.id, bob.token, { 'If-Match': '"v9"' }, { body: 'x' })).status).toBe(403);
    const elsewhere = await t.launch({ sub: 'alice', ctx: 'page:elsewhere' });
    expect((await send('DELETE', note.id, elsewhere.token, { 'If-Match': '"v9"' })).status).toBe(404);
  });
});
