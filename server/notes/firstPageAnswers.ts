import { boundedLru } from '../boundedLru.ts';
import type { Db } from '../db/connect.ts';
import { currentNoteSeq } from '../db/noteEvents.ts';
import type { NoteScope } from '../db/notes.ts';
import { findAuthorProfile } from '../db/users.ts';
import type { NotesPage } from '../../contract/notes.ts';
import { readNotesPage, toAuthorJson } from './notesPage.ts';

// GET /api/notes without a cursor, as the bytes of its JSON answer, read and
// serialised once and served again while nothing it shows has changed. The
// 50-note join, a hundred ISO dates and the JSON of ~15 KB were most of the
// route's CPU (issue 17, docs/benchmark.md), and the answer holds nothing
// about the viewer: every session of the thread gets the same bytes.
//
// Nothing here is allowed to be stale, so each answer re-reads what can move:
// - the thread's seq (note_threads.seq, one primary-key read): every create,
//   edit and delete bumps it in its own transaction, on whichever node, so a
//   kept answer read at another seq is never used;
// - each author's name and picture (one primary-key read per distinct author):
//   they follow the author's latest launch, which does not touch the thread.
//   An author whose row is gone (their notes went with it) reads as a change.
// When both match what the kept answer was built from, it is byte for byte
// what reading the page again would give.

export interface FirstPageAnswerOptions {
  /** Answers kept (one per thread and page size), least recently used dropped first. */
  maxAnswers: number;
  /** Bytes kept in all, so a few long threads cannot grow the heap unbounded. */
  maxBytes: number;
}

export const FIRST_PAGE_ANSWER_DEFAULTS: FirstPageAnswerOptions = { maxAnswers: 256, maxBytes: 4_000_000 };

interface KeptAnswer {
  seq: number;
  /** The page's distinct authors, in the order `authors` lists them. */
  authorIds: string[];
  /** The authors as the answer shows them (their JSON, one per line): what a later answer compares. */
  authors: string;
  json: Buffer;
}

/** The first page of a thread, `limit` notes at most, as UTF-8 JSON (the NotesPage shape). */
export type FirstPageAnswers = ((scope: NoteScope, limit: number) => Promise<Buffer>) & {
  /** Answers kept now (for tests). */
  readonly size: number;
};

function authorsOf(page: NotesPage): { authorIds: string[]; authors: string } {
  const shown = new Map<string, string>();
  for (const note of page.notes) if (!shown.has(note.author.id)) shown.set(note.author.id, JSON.stringify(note.author));
  return { authorIds: [...shown.keys()], authors: [...shown.values()].join('\n') };
}

export function createFirstPageAnswers({ db, options = {} }: { db: Db; options?: Partial<FirstPageAnswerOptions> }): FirstPageAnswers {
  const { maxAnswers, maxBytes } = { ...FIRST_PAGE_ANSWER_DEFAULTS, ...options };
  const kept = boundedLru<KeptAnswer>({ maxEntries: maxAnswers, maxSize: maxBytes, sizeOf: (entry) => entry.json.length });

  /** The authors as they would be shown now, or null when one of them is gone. */
  const authorsNow = async (ids: string[]): Promise<string | null> => {
    const shown: string[] = [];
    for (const id of ids) {
      const profile = await findAuthorProfile(db, id);
      if (!profile) return null;
      shown.push(JSON.stringify(toAuthorJson(id, profile.name, profile.picture)));
    }
    return shown.join('\n');
  };

  const answer = async (scope: NoteScope, limit: number): Promise<Buffer> => {
    const key = `${scope.tenantId}\n${scope.ctx}\n${limit}`;
    const seq = await currentNoteSeq(db, scope);
    const entry = kept.get(key);
    if (entry && entry.seq === seq && (await authorsNow(entry.authorIds)) === entry.authors) {
      kept.keep(key, entry);
      return entry.json;
    }
    // `seq` was read before the notes, as readNotesPage does itself: the page holds every change up to it.
    const page = await readNotesPage(db, scope, { limit, seq });
    const fresh: KeptAnswer = { seq, ...authorsOf(page), json: Buffer.from(JSON.stringify(page)) };
    kept.keep(key, fresh);
    return fresh.json;
  };

  return Object.defineProperty(answer, 'size', { get: () => kept.size }) as FirstPageAnswers;
}
