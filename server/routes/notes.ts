import Router from '@koa/router';
import type { Context } from 'koa';
import { v4 as uuidv4 } from 'uuid';
import type { AuthenticatedSession } from '../auth/sessionService.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { isStorableText } from '../db/storableText.ts';
import { deleteNote, findNote, insertNote, listNotes, updateNoteBody, type NotePosition, type NoteRow, type NoteScope } from '../db/notes.ts';
import { WidgetError } from '../errors.ts';
import { readJsonObject } from '../http/readBody.ts';

export const NOTE_BODY_MAX_CHARS = 4000;
export const NOTES_PAGE_DEFAULT = 50;
export const NOTES_PAGE_MAX = 100;

/** The wire form of a note (protocol section 4). */
export interface NoteJson {
  id: string;
  body: string;
  author: { id: string; name: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface NotesPage {
  notes: NoteJson[];
  /** Pass as `?before=` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR = /^(\d{1,15})\.([0-9a-f-]{36})$/;

export const toNoteJson = (n: NoteRow): NoteJson => ({
  id: n.id,
  body: n.body,
  author: { id: n.authorId, name: n.authorName },
  createdAt: new Date(n.createdAt).toISOString(),
  updatedAt: new Date(n.updatedAt).toISOString(),
});

// Opaque to clients (they only echo it back), but plain enough to debug.
const encodeCursor = (p: NotePosition) => Buffer.from(`${p.createdAt}.${p.id}`).toString('base64url');

function decodeCursor(raw: string): NotePosition {
  const match = CURSOR.exec(Buffer.from(raw, 'base64url').toString('latin1'));
  if (!match || !UUID.test(match[2]!)) {
    throw new WidgetError('validation_failed', 'The "before" cursor is not valid; pass the "nextCursor" value from a previous page unchanged.');
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}

/** One page of a thread, newest first; the launch page renders the first one server-side. */
export async function readNotesPage(db: Db, scope: NoteScope, options: { limit?: number; before?: NotePosition } = {}): Promise<NotesPage> {
  const limit = options.limit ?? NOTES_PAGE_DEFAULT;
  const rows = await listNotes(db, scope, { limit: limit + 1, before: options.before });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { notes: page.map(toNoteJson), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

function singleQueryValue(ctx: Context, name: string): string | undefined {
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

async function readNoteBody(ctx: Context): Promise<string> {
  const input = await readJsonObject(ctx);
  if (!('body' in input)) throw new WidgetError('validation_failed', 'The request must be a JSON object with a "body" string: { "body": "..." }.');
  if (typeof input.body !== 'string') throw new WidgetError('validation_failed', '"body" must be a string.');
  const body = input.body.trim();
  if (body === '') throw new WidgetError('validation_failed', 'A note cannot be empty.');
  if (!isStorableText(body)) throw new WidgetError('validation_failed', 'The note contains characters that cannot be stored (NUL or an unpaired surrogate).');
  let chars = 0;
  for (const _ of body) chars++;
  if (chars > NOTE_BODY_MAX_CHARS) {
    throw new WidgetError('validation_failed', `A note can be at most ${NOTE_BODY_MAX_CHARS} characters; this one has ${chars}.`);
  }
  return body;
}

const noSuchNote = () => new WidgetError('not_found', 'There is no such note in this context.');

export function notesRoutes({ db, clock }: { db: Db; clock: Clock }): Router {
  const router = new Router({ prefix: '/api/notes' });

  const sessionOf = (ctx: Context) => ctx.state.session as AuthenticatedSession;
  const scopeOf = (session: AuthenticatedSession): NoteScope => ({ tenantId: session.tid, ctx: session.ctx });

  /** The caller's own note, or the protocol's answer for why not: 404 outside the scope, 403 for someone else's. */
  async function ownNote(ctx: Context): Promise<NoteRow> {
    const id = ctx.params.id ?? '';
    // Malformed ids cannot exist; checking here also keeps them away from PostgreSQL's uuid parser.
    if (!UUID.test(id)) throw noSuchNote();
    const session = sessionOf(ctx);
    const note = await findNote(db, scopeOf(session), id.toLowerCase());
    if (!note) throw noSuchNote();
    if (note.authorId !== session.sub) throw new WidgetError('forbidden', 'Only the author of a note can change or delete it.');
    return note;
  }

  router.get('/', async (ctx) => {
    const limit = parseLimit(singleQueryValue(ctx, 'limit'));
    const before = singleQueryValue(ctx, 'before');
    ctx.body = await readNotesPage(db, scopeOf(sessionOf(ctx)), { limit, before: before === undefined ? undefined : decodeCursor(before) });
  });

  router.post('/', async (ctx) => {
    const body = await readNoteBody(ctx);
    const session = sessionOf(ctx);
    const scope = scopeOf(session);
    const now = clock.now();
    const id = uuidv4();
    await insertNote(db, { id, tenantId: scope.tenantId, ctx: scope.ctx, authorId: session.sub, body, createdAt: now, updatedAt: now });
    const note = await findNote(db, scope, id);
    if (!note) throw noSuchNote();
    ctx.status = 201;
    ctx.body = { note: toNoteJson(note) };
  });

  router.patch('/:id', async (ctx) => {
    const body = await readNoteBody(ctx);
    const note = await ownNote(ctx);
    const now = clock.now();
    const session = sessionOf(ctx);
    if (!(await updateNoteBody(db, scopeOf(session), { id: note.id, authorId: session.sub, body, now }))) throw noSuchNote();
    ctx.body = { note: toNoteJson({ ...note, body, updatedAt: now }) };
  });

  router.delete('/:id', async (ctx) => {
    const note = await ownNote(ctx);
    const session = sessionOf(ctx);
    if (!(await deleteNote(db, scopeOf(session), { id: note.id, authorId: session.sub }))) throw noSuchNote();
    ctx.status = 204;
  });

  return router;
}
