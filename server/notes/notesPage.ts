import type { Note, NotesPage } from '../../contract/notes.ts';
import type { SessionUser } from '../../contract/session.ts';
import type { Db } from '../db/connect.ts';
import { currentNoteSeq } from '../db/noteEvents.ts';
import { listNotes, type NotePosition, type NoteRow, type NoteScope } from '../db/notes.ts';
import { encodeCursor } from './noteCursor.ts';

// The notes read model: one page of a thread in its wire shape. The API route
// and the launch page's server render both read through here.

export const NOTES_PAGE_DEFAULT = 50;
export const NOTES_PAGE_MAX = 100;

/** A note's author as the wire shows them: no `picture` without one. */
export const toAuthorJson = (id: string, name: string | null, picture: string | null | undefined): SessionUser => ({ id, name, ...(picture ? { picture } : {}) });

export const toNoteJson = (n: NoteRow): Note => ({
  id: n.id,
  body: n.body,
  author: toAuthorJson(n.authorId, n.authorName, n.authorPicture),
  createdAt: new Date(n.createdAt).toISOString(),
  updatedAt: new Date(n.updatedAt).toISOString(),
  version: n.version,
});

/**
 * One page of a thread, newest first. The first page carries the thread's seq
 * as `lastEventId`: `seq` when the caller has just read it (before calling),
 * else it is read here.
 */
export async function readNotesPage(db: Db, scope: NoteScope, options: { limit?: number; before?: NotePosition; seq?: number } = {}): Promise<NotesPage> {
  const limit = options.limit ?? NOTES_PAGE_DEFAULT;
  // Read before the notes: every change after this seq is in the stream; the page may already show some (applied again, harmlessly).
  const seq = options.before ? null : (options.seq ?? (await currentNoteSeq(db, scope)));
  const rows = await listNotes(db, scope, { limit: limit + 1, before: options.before });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const notesPage: NotesPage = { notes: page.map(toNoteJson), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  if (seq !== null) notesPage.lastEventId = String(seq);
  return notesPage;
}
