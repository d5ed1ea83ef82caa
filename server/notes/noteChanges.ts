import type { Db } from '../db/connect.ts';
import { recordNoteEvent, type NoteEventKind } from '../db/noteEvents.ts';
import { deleteNote, insertNote, updateNoteBody, type NoteRow, type NoteScope } from '../db/notes.ts';
import { authorOf } from '../db/users.ts';
import { inWriteTransaction, type WriteTransaction } from '../db/writeTransaction.ts';

// Every change to a thread goes through here: the change, its event in the
// thread's sequence and the feed's signal, in one transaction, so a live
// stream sees each committed change exactly once and nothing that rolled back.

/** What a change tells the node's live feed (live/noteFeed.ts implements it): declared here, where changes are made. */
export interface ChangeSignal {
  /** Inside the change's transaction (PostgreSQL: NOTIFY, delivered to every node only if it commits). */
  inTransaction(tx: WriteTransaction, scope: NoteScope, seq: number): Promise<void>;
  /** After the change committed (one process: tell the local streams now). */
  afterCommit(scope: NoteScope, seq: number): void;
}

export interface NoteChanges {
  /** The note as stored, with its author's name and picture as they were when it was written. */
  create(scope: NoteScope, note: Omit<NoteRow, 'authorName' | 'authorPicture' | 'tenantId' | 'ctx'>): Promise<NoteRow>;
  /** False when the note is gone or no longer at `version` (compare-and-set). */
  update(scope: NoteScope, input: { id: string; authorId: string; body: string; now: number; version: number }): Promise<boolean>;
  remove(scope: NoteScope, input: { id: string; authorId: string; version: number; now: number }): Promise<boolean>;
}

export function createNoteChanges({ db, feed }: { db: Db; feed: ChangeSignal }): NoteChanges {
  /** Runs `write`; unless it answers null, records the event and signals it. Resolves once it is durable. */
  async function change<T>(scope: NoteScope, noteId: string, kind: NoteEventKind, now: number, write: (tx: WriteTransaction) => Promise<T | null>): Promise<T | null> {
    const done = await inWriteTransaction(db, async (tx) => {
      const result = await write(tx);
      if (result === null) return null;
      const seq = await recordNoteEvent(tx, scope, { noteId, kind, now });
      await feed.inTransaction(tx, scope, seq);
      return { result, seq };
    });
    if (done === null) return null;
    feed.afterCommit(scope, done.seq);
    return done.result;
  }

  return {
    async create(scope, note) {
      const created = await change(scope, note.id, 'created', note.createdAt, async (tx): Promise<NoteRow> => {
        const row = { ...note, tenantId: scope.tenantId, ctx: scope.ctx };
        await insertNote(tx, row);
        // Read in the same transaction, instead of reading the note back after it: the answer shows what was committed.
        const author = await authorOf(tx, note.authorId);
        return { ...row, authorName: author?.name ?? null, authorPicture: author?.picture ?? null };
      });
      return created!;
    },
    // `|| null`: a compare-and-set that changed nothing records no event.
    update: async (scope, input) => (await change(scope, input.id, 'updated', input.now, async (tx) => (await updateNoteBody(tx, scope, input)) || null)) !== null,
    remove: async (scope, input) => (await change(scope, input.id, 'deleted', input.now, async (tx) => (await deleteNote(tx, scope, input)) || null)) !== null,
  };
}
