import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoteEvent, StreamEnd, StreamReset } from '../../contract/liveEvents.ts';
import type { Note, NotesPage } from '../../contract/notes.ts';
import { purgeNoteEventsBefore } from '../../server/db/noteEvents.ts';
import { openEventStream, type EventStream } from '../../support/eventStream.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// GET /api/notes/stream (issue 16): a thread's changes as Server-Sent Events
// over a fetch body, with the token in the Authorization header; resumable by
// Last-Event-ID without losing or repeating a change; ended when the token
// expires or the session is revoked; bounded per session and per node.

let t: TestApp;
beforeAll(async () => {
  // Re-checks every 50 ms of real time, so tests see revocation and the fake clock's expiry promptly.
  t = await startTestApp({ env: { STREAM_RECHECK_MS: '50', STREAM_MAX_PER_SESSION: '3' } });
});
afterAll(() => t.close());

let seq = 0;
const freshContext = () => `page:stream-${++seq}`;
const streams: EventStream[] = [];
const open = async (token: string | null, headers: Record<string, string> = {}) => {
  const stream = await openEventStream(`${t.url}/api/notes/stream`, token, headers);
  streams.push(stream);
  return stream;
};

async function post(token: string, body: string): Promise<Note> {
  const response = await t.api('POST', '/api/notes', token, { body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { note: Note }).note;
}

/** Count-based: waits for the node to notice closed streams, failing only on a real hang. */
async function untilOpenStreams(count: number) {
  for (let i = 0; i < 2000 && t.live.limits.open !== count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(t.live.limits.open).toBe(count);
}

afterAll(() => {
  for (const s of streams) s.close();
});

describe('GET /api/notes/stream', () => {
  it('answers an event stream that the proxy must not buffer or cache', async () => {
    const { token } = await t.launch({ ctx: freshContext() });
    const stream = await open(token);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.response.headers.get('content-encoding')).toBeNull();
    stream.close();
  });

  it('delivers notes created, edited and deleted in the thread by anyone, each with its seq as id', async () => {
    const ctx = freshContext();
    const reader = await t.launch({ sub: 'reader', ctx });
    const writer = await t.launch({ sub: 'writer', ctx });
    const stream = await open(reader.token);
    const note = await post(writer.token, 'Hello, live');
    expect(await stream.nextOf<NoteEvent>('note')).toEqual({ kind: 'created', note, eventId: '1' });
    await t.api('PATCH', `/api/notes/${note.id}`, writer.token, { body: 'Hello, edited' });
    expect(await stream.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'updated', note: { id: note.id, body: 'Hello, edited', version: 2 }, eventId: '2' });
    await t.api('DELETE', `/api/notes/${note.id}`, writer.token);
    expect(await stream.nextOf<NoteEvent>('note')).toEqual({ kind: 'deleted', id: note.id, eventId: '3' });
    stream.close();
  });

  it('never carries another context\'s or another tenant\'s notes', async () => {
    const ctx = freshContext();
    const other = await t.addTenant(`stream-other-${seq}`);
    const reader = await t.launch({ ctx });
    const stream = await open(reader.token);
    await post((await t.launch({ ctx: freshContext() })).token, 'other context');
    await post((await t.launch({ ctx }, other)).token, 'other tenant, same ctx string');
    const mine = await post((await t.launch({ sub: 'writer', ctx })).token, 'this thread');
    // The first event to arrive is this thread's own, with seq 1: nothing else came before it.
    expect(await stream.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { id: mine.id }, eventId: '1' });
    stream.close();
  });

  it('resumes after Last-Event-ID without losing or repeating a change', async () => {
    const ctx = freshContext();
    const { token } = await t.launch({ ctx });
    const first = await open(token);
    const a = await post(token, 'a');
    const b = await post(token, 'b');
    expect((await first.nextOf<NoteEvent>('note')).eventId).toBe('1');
    expect((await first.nextOf<NoteEvent>('note')).eventId).toBe('2');
    first.close();
    await untilOpenStreams(0);
    // Written while no stream was open.
    const c = await post(token, 'c');
    await t.api('DELETE', `/api/notes/${a.id}`, token);
    const resumed = await open(token, { 'Last-Event-ID': '2' });
    expect(await resumed.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { id: c.id }, eventId: '3' });
    expect(await resumed.nextOf<NoteEvent>('note')).toEqual({ kind: 'deleted', id: a.id, eventId: '4' });
    const d = await post(token, 'd');
    expect(await resumed.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { id: d.id }, eventId: '5' });
    expect(b.id).not.toBe(d.id);
    resumed.close();
  });

  it('starts where the first page was read (its lastEventId), so nothing written between the two is missed', async () => {
    const ctx = freshContext();
    const { token, bootstrap } = await t.launch({ ctx });
    expect(bootstrap.lastEventId).toBe('0');
    await post(token, 'one');
    const page = (await (await t.api('GET', '/api/notes', token)).json()) as NotesPage;
    expect(page.lastEventId).toBe('1');
    const between = await post(token, 'written before the stream opened');
    const stream = await open(token, { 'Last-Event-ID': page.lastEventId! });
    expect(await stream.nextOf<NoteEvent>('note')).toMatchObject({ note: { id: between.id }, eventId: '2' });
    stream.close();
  });

  it('sends reset when Last-Event-ID is beyond this thread (it came from another context), then goes on', async () => {
    const ctx = freshContext();
    const { token } = await t.launch({ ctx });
    const stream = await open(token, { 'Last-Event-ID': '99' });
    expect(await stream.nextOf<StreamReset>('reset')).toMatchObject({ lastEventId: '0' });
    await post(token, 'after the reset');
    expect((await stream.nextOf<NoteEvent>('note')).eventId).toBe('1');
    stream.close();
  });

  it('sends reset when the changes after Last-Event-ID are no longer kept (purged after their retention), then goes on', async () => {
    const ctx = freshContext();
    const { token } = await t.launch({ ctx });
    await post(token, 'one');
    t.clock.advance(60);
    await post(token, 'two');
    const three = await post(token, 'three');
    // Upkeep forgets changes recorded before a moment: here, everything before the last two.
    expect(await purgeNoteEventsBefore(t.db, t.clock.now())).toBeGreaterThanOrEqual(1);
    const behind = await open(token, { 'Last-Event-ID': '0' });
    expect(await behind.nextOf<StreamReset>('reset')).toMatchObject({ lastEventId: '3' });
    await t.api('DELETE', `/api/notes/${three.id}`, token);
    expect(await behind.nextOf<NoteEvent>('note')).toEqual({ kind: 'deleted', id: three.id, eventId: '4' });
    behind.close();
    // An id whose next change is still kept resumes as before, without a reset.
    const caughtUp = await open(token, { 'Last-Event-ID': '1' });
    expect(await caughtUp.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { body: 'two' }, eventId: '2' });
    caughtUp.close();
  });

  it('ends with reason session_revoked when the session is signed out', async () => {
    const { token } = await t.launch({ ctx: freshContext() });
    const stream = await open(token);
    expect((await t.api('POST', '/api/session/logout', token)).status).toBe(204);
    expect(await stream.nextOf<StreamEnd>('end')).toMatchObject({ reason: 'session_revoked' });
    await stream.closed();
  });

  it('ends with reason token_expired when its token expires, and a fresh token continues from Last-Event-ID', async () => {
    const ctx = freshContext();
    const app = await startTestApp({ env: { STREAM_RECHECK_MS: '50' } });
    try {
      const { token } = await app.launch({ ctx });
      const stream = await openEventStream(`${app.url}/api/notes/stream`, token);
      await app.api('POST', '/api/notes', token, { body: 'before expiry' });
      expect((await stream.nextOf<NoteEvent>('note')).eventId).toBe('1');
      app.clock.advance(app.config.sessionTtl);
      expect(await stream.nextOf<StreamEnd>('end')).toMatchObject({ reason: 'token_expired' });
      await stream.closed();
      const { token: fresh } = await app.launch({ ctx });
      await app.api('POST', '/api/notes', fresh, { body: 'after expiry' });
      const again = await openEventStream(`${app.url}/api/notes/stream`, fresh, { 'Last-Event-ID': '1' });
      expect(await again.nextOf<NoteEvent>('note')).toMatchObject({ note: { body: 'after expiry' }, eventId: '2' });
      again.close();
    } finally {
      await app.close();
    }
  });

  it('takes the token only from the Authorization header, never from the URL', async () => {
    const { token } = await t.launch({ ctx: freshContext() });
    for (const query of [`?access_token=${token}`, `?token=${token}`]) {
      const response = await fetch(`${t.url}/api/notes/stream${query}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('token_missing');
    }
  });

  it('answers a malformed Last-Event-ID with 400 validation_failed', async () => {
    const { token } = await t.launch({ ctx: freshContext() });
    for (const value of ['abc', '-1', '1.5', '9'.repeat(16)]) {
      const response = await fetch(`${t.url}/api/notes/stream`, { headers: { Authorization: `Bearer ${token}`, 'Last-Event-ID': value } });
      expect(`${value} -> ${response.status}`).toBe(`${value} -> 400`);
    }
  });
});

describe('stream limits', () => {
  it('holds at most STREAM_MAX_PER_SESSION streams per session: the next is 429 too_many_streams with Retry-After', async () => {
    await untilOpenStreams(0);
    const { token } = await t.launch({ ctx: freshContext() });
    const held = [await open(token), await open(token), await open(token)];
    const refused = await fetch(`${t.url}/api/notes/stream`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    // Another session is not affected.
    const other = await open((await t.launch({ ctx: freshContext() })).token);
    expect(other.response.status).toBe(200);
    // Closing one frees its slot.
    held[0]!.close();
    await untilOpenStreams(3);
    const again = await open(token);
    expect(again.response.status).toBe(200);
    for (const s of [...held, other, again]) s.close();
    await untilOpenStreams(0);
  });

  it('holds at most STREAM_MAX_PER_NODE streams on a node', async () => {
    const app = await startTestApp({ env: { STREAM_MAX_PER_NODE: '2' } });
    try {
      const tokens = await Promise.all([1, 2, 3].map(async (i) => (await app.launch({ sub: `u${i}` })).token));
      const held = [await openEventStream(`${app.url}/api/notes/stream`, tokens[0]!), await openEventStream(`${app.url}/api/notes/stream`, tokens[1]!)];
      const refused = await fetch(`${app.url}/api/notes/stream`, { headers: { Authorization: `Bearer ${tokens[2]}` } });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
      for (const s of held) s.close();
    } finally {
      await app.close();
    }
  });

  it('ends every stream when the node shuts down, with reason shutdown', async () => {
    const app = await startTestApp();
    const { token } = await app.launch();
    const stream = await openEventStream(`${app.url}/api/notes/stream`, token);
    // What main.ts does first on SIGTERM, before it waits for connections to drain.
    await app.live.close();
    expect(await stream.nextOf<StreamEnd>('end')).toMatchObject({ reason: 'shutdown' });
    await stream.closed();
    await app.close();
  });
});
