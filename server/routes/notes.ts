import { validate as isUuid } from 'uuid';
import { noteEtag, type NoteResponse } from '../../contract/notes.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { findNote, type NoteRow, type NoteScope } from '../db/notes.ts';
import { WidgetError } from '../errors.ts';
import { ifMatchAllows, readIfMatch } from '../http/ifMatch.ts';
import { readJsonObject } from '../http/readBody.ts';
import type { RouteSpec } from '../http/route.ts';
import type { RouteContext, SessionContext } from '../http/state.ts';
import { noteBodyFrom } from '../notes/noteBody.ts';
import { newNoteId } from '../notes/noteId.ts';
import type { NoteChanges } from '../notes/noteChanges.ts';
import { decodeCursor } from '../notes/noteCursor.ts';
import { createFirstPageAnswers } from '../notes/firstPageAnswers.ts';
import { NOTES_PAGE_DEFAULT, NOTES_PAGE_MAX, readNotesPage, toNoteJson } from '../notes/notesPage.ts';

// The notes API (docs/protocol.md section 4): every query is scoped to the
// caller's tenant and context, so another thread's note is simply not found.

function singleQueryValue(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new WidgetError('validation_failed', `Pass "${name}" at most once.`);
  return value;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return NOTES_PAGE_DEFAULT;
  const value = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= NOTES_PAGE_MAX)) {
    throw new WidgetError('validation_failed', `"limit" must be a whole number from 1 to ${NOTES_PAGE_MAX}.`);
  }
  return value;
}

const noSuchNote = () => new WidgetError('not_found', 'There is no such note in this context.');
export const scopeOf = (ctx: SessionContext): NoteScope => ({ tenantId: ctx.state.session.tid, ctx: ctx.state.session.ctx });

/** 409 with the note as it is now, so the client can show both versions and let the person choose. */
const conflictWith = (current: NoteRow) =>
  new WidgetError('conflict', 'This note was changed after your copy of it was loaded; here is the current version.', { ETag: noteEtag(current.version) }, { note: toNoteJson(current) });

/** Answers a note with its version's ETag (If-Match on PATCH and DELETE). */
function answerNote(ctx: SessionContext, status: number, note: NoteRow) {
  ctx.status = status;
  ctx.set('ETag', noteEtag(note.version));
  ctx.body = { note: toNoteJson(note) } satisfies NoteResponse;
}

export function notesRoutes({ db, clock, changes }: { db: Db; clock: Clock; changes: NoteChanges }): RouteSpec[] {
  const firstPages = createFirstPageAnswers({ db });

  /**
   * The caller's own note at the version If-Match names (any, without If-Match); otherwise 409 conflict.
   * If-Match is read before the note, so a malformed one is 400 whatever the note.
   */
  async function ownNoteAsSent(ctx: SessionContext): Promise<NoteRow> {
    const condition = readIfMatch(ctx);
    const note = await ownNote(ctx);
    if (!ifMatchAllows(condition, noteEtag(note.version))) throw conflictWith(note);
    return note;
  }

  /** The compare-and-set failed after the check: the note moved on (409) or went away (404) in between. */
  async function lostRace(ctx: SessionContext, id: string): Promise<never> {
    const current = await findNote(db, scopeOf(ctx), id);
    throw current ? conflictWith(current) : noSuchNote();
  }

  /** The caller's own note, or the protocol's answer for why not: 404 outside the scope, 403 for someone else's. */
  async function ownNote(ctx: SessionContext): Promise<NoteRow> {
    const id = ctx.params.id ?? '';
    // Malformed ids cannot exist; checking here also keeps them away from PostgreSQL's uuid parser.
    if (!isUuid(id)) throw noSuchNote();
    const note = await findNote(db, scopeOf(ctx), id.toLowerCase());
    if (!note) throw noSuchNote();
    if (note.authorId !== ctx.state.session.sub) throw new WidgetError('forbidden', 'Only the author of a note can change or delete it.');
    return note;
  }

  return [
    {
      method: 'GET',
      path: '/api/notes',
      access: 'session',
      async handler(ctx) {
        const limit = parseLimit(singleQueryValue(ctx, 'limit'));
        const before = singleQueryValue(ctx, 'before');
        if (before === undefined) {
          // Set before the body: a Buffer body would otherwise be typed application/octet-stream.
          ctx.type = 'application/json';
          ctx.body = await firstPages(scopeOf(ctx), limit);
        } else {
          ctx.body = await readNotesPage(db, scopeOf(ctx), { limit, before: decodeCursor(before) });
        }
      },
    },
    {
      method: 'POST',
      path: '/api/notes',
      access: 'session',
      async handler(ctx) {
        const body = noteBodyFrom(await readJsonObject(ctx));
        const scope = scopeOf(ctx);
        const now = clock.now();
        const id = newNoteId(now);
        answerNote(ctx, 201, await changes.create(scope, { id, authorId: ctx.state.session.sub, body, createdAt: now, updatedAt: now, version: 1 }));
      },
    },
    {
      method: 'PATCH',
      path: '/api/notes/:id',
      access: 'session',
      async handler(ctx) {
        const body = noteBodyFrom(await readJsonObject(ctx));
        const note = await ownNoteAsSent(ctx);
        const now = clock.now();
        if (!(await changes.update(scopeOf(ctx), { id: note.id, authorId: ctx.state.session.sub, body, now, version: note.version }))) await lostRace(ctx, note.id);
        answerNote(ctx, 200, { ...note, body, updatedAt: now, version: note.version + 1 });
      },
    },
    {
      method: 'DELETE',
      path: '/api/notes/:id',
      access: 'session',
      async handler(ctx) {
        const note = await ownNoteAsSent(ctx);
        if (!(await changes.remove(scopeOf(ctx), { id: note.id, authorId: ctx.state.session.sub, version: note.version, now: clock.now() }))) await lostRace(ctx, note.id);
        ctx.status = 204;
      },
    },
  ];
}
