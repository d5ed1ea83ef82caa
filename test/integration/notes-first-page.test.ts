import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/connect.ts';
import type { NoteScope } from '../../server/db/notes.ts';
import { createFirstPageAnswers } from '../../server/notes/firstPageAnswers.ts';
import { createNoteChanges } from '../../server/notes/noteChanges.ts';
import { readNotesPage } from '../../server/notes/notesPage.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// GET /api/notes without a cursor answers from bytes kept per thread
// (server/notes/firstPageAnswers.ts) while the thread's seq and its authors
// are unchanged. Every answer must still be exactly what reading the page now
// would give, whoever changed the thread or an author, on whichever node.

let t: TestApp;
/** A second connection to the same database: writes through it are another node's, unseen by this app's process. */
let otherNode: Db;
beforeAll(async () => {
  t = await startTestApp();
  otherNode = createDb(t.config.database);
});
afterAll(async () => {
  await otherNode.destroy();
  await t.close();
});

let contextSeq = 0;
const freshContext = () => `page:first-page-answers-${++contextSeq}`;

async function launch(ctx: string, sub: string, claims: Record<string, unknown> = {}) {
  const { token, bootstrap } = await t.launch({ sub, name: sub, ctx, ...claims });
  return { token, userId: bootstrap.user.id as string };
}

async function post(token: string, body: string): Promise<{ id: string; version: number }> {
  const response = await t.api('POST', '/api/notes', token, { body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { note: { id: string; version: number } }).note;
}

async function listText(token: string, query = ''): Promise<string> {
  const response = await t.api('GET', `/api/notes${query}`, token);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return response.text();
}

/** What the route answered before answers were kept: the page read now, serialised. */
const pageNow = async (scope: NoteScope, limit = 50) => JSON.stringify(await readNotesPage(t.db, scope, { limit }));

const scopeOf = (ctx: string): NoteScope => ({ tenantId: t.tenant.id, ctx });

describe('GET /api/notes (first page) while the thread is unchanged', () => {
  it('answers the same bytes as reading the page, again and again, for every viewer', async () => {
    const ctx = freshContext();
    const alice = await launch(ctx, 'alice');
    const bob = await launch(ctx, 'bob');
    await post(alice.token, 'one');
    await post(bob.token, 'two … ünïcödé 🙂');
    const expected = await pageNow(scopeOf(ctx));
    expect(await listText(alice.token)).toBe(expected);
    expect(await listText(bob.token)).toBe(expected);
    expect(await listText(alice.token)).toBe(expected);
    expect(await listText(bob.token, '?limit=1')).toBe(await pageNow(scopeOf(ctx), 1));
  });
});

describe('GET /api/notes (first page) after a change', () => {
  it('shows a note created, edited or deleted since the last answer', async () => {
    const ctx = freshContext();
    const alice = await launch(ctx, 'alice');
    const first = await post(alice.token, 'first');
    expect(JSON.parse(await listText(alice.token)).notes.map((n: { body: string }) => n.body)).toEqual(['first']);

    t.clock.advance(1);
    await post(alice.token, 'second');
    let text = await listText(alice.token);
    expect(text).toBe(await pageNow(scopeOf(ctx)));
    expect(JSON.parse(text).notes.map((n: { body: string }) => n.body)).toEqual(['second', 'first']);

    expect((await t.api('PATCH', `/api/notes/${first.id}`, alice.token, { body: 'first, edited' })).status).toBe(200);
    text = await listText(alice.token);
    expect(JSON.parse(text).notes.map((n: { body: string }) => n.body)).toEqual(['second', 'first, edited']);

    const deleted = await fetch(`${t.url}/api/notes/${first.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.token}`, 'If-Match': '"v2"' } });
    expect(deleted.status).toBe(204);
    text = await listText(alice.token);
    expect(JSON.parse(text).notes.map((n: { body: string }) => n.body)).toEqual(['second']);
    expect(text).toBe(await pageNow(scopeOf(ctx)));
  });

  it('shows a note written through another node on the next answer', async () => {
    const ctx = freshContext();
    const alice = await launch(ctx, 'alice');
    await post(alice.token, 'from this node');
    const before = JSON.parse(await listText(alice.token));
    const elsewhere = createNoteChanges({ db: otherNode, feed: { inTransaction: async () => {}, afterCommit: () => {} } });
    const now = t.clock.now() + 1000;
    await elsewhere.create(scopeOf(ctx), { id: uuidv7({ msecs: now }), authorId: alice.userId, body: 'from another node', createdAt: now, updatedAt: now, version: 1 });
    const after = JSON.parse(await listText(alice.token));
    expect(after.notes.map((n: { body: string }) => n.body)).toEqual(['from another node', 'from this node']);
    expect(Number(after.lastEventId)).toBe(Number(before.lastEventId) + 1);
  });
});

describe('GET /api/notes (first page) after an author changed, the thread unchanged', () => {
  it("shows an author's new name and picture from their latest launch on the next answer", async () => {
    const ctx = freshContext();
    const carol = await launch(ctx, 'carol', { name: 'Carol' });
    await post(carol.token, 'hello');
    expect(JSON.parse(await listText(carol.token)).notes[0].author).toEqual({ id: carol.userId, name: 'Carol' });

    // A launch in another context: nothing in this thread changes, only the author.
    await launch('page:elsewhere', 'carol', { name: 'Carol Danvers', picture: 'https://pictures.example/carol.png' });
    const text = await listText(carol.token);
    expect(JSON.parse(text).notes[0].author).toEqual({ id: carol.userId, name: 'Carol Danvers', picture: 'https://pictures.example/carol.png' });
    expect(text).toBe(await pageNow(scopeOf(ctx)));

    await launch('page:elsewhere', 'carol', { name: 'Carol', picture: undefined });
    expect(JSON.parse(await listText(carol.token)).notes[0].author).toEqual({ id: carol.userId, name: 'Carol' });
  });

  it('drops the notes of an author whose user was removed (their notes go with it)', async () => {
    const ctx = freshContext();
    const dave = await launch(ctx, 'dave');
    const erin = await launch(ctx, 'erin');
    await post(dave.token, 'by dave');
    t.clock.advance(1);
    await post(erin.token, 'by erin');
    expect(JSON.parse(await listText(erin.token)).notes).toHaveLength(2);
    // An operator's delete: the foreign key cascades to the notes, and no change bumps the thread's seq.
    await otherNode('sessions').where({ user_id: dave.userId }).delete();
    await otherNode('users').where({ id: dave.userId }).delete();
    const text = await listText(erin.token);
    expect(JSON.parse(text).notes.map((n: { body: string }) => n.body)).toEqual(['by erin']);
    expect(text).toBe(await pageNow(scopeOf(ctx)));
  });
});

describe('the kept first pages', () => {
  it('hold at most their count and byte bounds, least recently used dropped first', async () => {
    const answers = createFirstPageAnswers({ db: t.db, options: { maxAnswers: 2, maxBytes: 1_000_000 } });
    const scopes = [freshContext(), freshContext(), freshContext()].map(scopeOf);
    for (const scope of scopes) await answers(scope, 50);
    expect(answers.size).toBe(2);

    // An empty thread's answer is 48 bytes: two of them do not fit in 60.
    const small = createFirstPageAnswers({ db: t.db, options: { maxAnswers: 10, maxBytes: 60 } });
    expect((await small(scopes[0]!, 50)).length).toBe(48);
    await small(scopes[1]!, 50);
    expect(small.size).toBe(1);
  });
});
