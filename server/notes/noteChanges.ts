import type { Db } from '../db/connect.ts';
import { recordNoteEvent, type NoteEventKind } from '../db/noteEvents.ts';
import { deleteNote, insertNote, updateNoteBody, type NoteRow, type NoteScope } from '../db/notes.ts';

// Every change to a thread goes through here: the change, its event in the
// thread's sequence and the feed's signal, in one transaction, so a live
// stream sees each committed change exactly once and nothing that rolled back.

/** What a change tells the node's live feed (live/noteFeed.ts implements it): declared here, where changes are made. */
export interface ChangeSignal {
  /** Inside the change's transaction (PostgreSQL: NOTIFY, delivered to every node only if it commits). */
  inTransaction(trx: Db, scope: NoteScope, seq: number): Promise<void>;
  /** After the change committed (one process: tell the local streams now). */
  afterCommit(scope: NoteScope, seq: number): void;
}

export interface NoteChanges {
  create(scope: NoteScope, note: Omit<NoteRow, 'authorName' | 'authorPicture' | 'tenantId' | 'ctx'>): Promise<void>;
  /** False when the note is gone or no longer at `version` (compare-and-set). */
  update(scope: NoteScope, input: { id: string; authorId: string; body: string; now: number; version: number }): Promise<boolean>;
  remove(scope: NoteScope, input: { id: string; authorId: string; version: number; now: number }): Promise<boolean>;
}

export function createNoteChanges({ db, feed }: { db: Db; feed: ChangeSignal }): NoteChanges {
  async function change(scope: NoteScope, noteId: string, kind: NoteEventKind, now: number, write: (trx: Db) => Promise<boolean>): Promise<boolean> {
    const seq = await db.transaction(async (trx) => {
      if (!(await write(trx))) return null;
      const at = await recordNoteEvent(trx, scope, { noteId, kind, now });
      await feed.inTransaction(trx, scope, at);
      return at;
    });
    if (seq === null) return false;
    feed.afterCommit(scope, seq);
    return true;
  }

  return {
    async create(scope, note) {
      await change(scope, note.id, 'created', note.createdAt, async (trx) => {
        await insertNote(trx, { ...note, tenantId: scope.tenantId, ctx: scope.ctx });
        return true;
      });
    },
    update: (scope, input) => change(scope, input.id, 'updated', input.now, (trx) => updateNoteBody(trx, scope, input)),
    remove: (scope, input) => change(scope, input.id, 'deleted', input.now, (trx) => deleteNote(trx, scope, input)),
  };
}
