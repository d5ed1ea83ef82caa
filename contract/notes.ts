// Wire shapes of GET/POST/PATCH /api/notes (docs/protocol.md section 4): the
// server answers with them, the widget reads them and the launch page inlines them.
import type { SessionUser } from './session.ts';

/** Counted in Unicode code points (charCount), the way a person counts characters. */
export const NOTE_BODY_MAX_CHARS = 4000;

export interface Note {
  id: string;
  body: string;
  author: SessionUser;
  createdAt: string;
  updatedAt: string;
  /** 1 when created, +1 on each edit; the note's ETag is `"v<version>"` (If-Match on PATCH and DELETE). */
  version: number;
}

export interface NotesPage {
  notes: Note[];
  /** Pass as `?before=` for the next (older) page; null on the last page. */
  nextCursor: string | null;
  /**
   * First page only: the thread's latest change when the page was read. Open
   * GET /api/notes/stream with it as Last-Event-ID and nothing after the page is missed.
   */
  lastEventId?: string;
}

/** POST /api/notes (201) and PATCH /api/notes/:id (200). */
export interface NoteResponse {
  note: Note;
}

/** The strong ETag of a note version, as the ETag header carries it and If-Match sends it back. */
export const noteEtag = (version: number) => `"v${version}"`;

/** 409 conflict on PATCH/DELETE: the edit was based on an older version; `note` is the current one. */
export interface ConflictBody {
  error: { code: 'conflict'; message: string };
  note: Note;
}
