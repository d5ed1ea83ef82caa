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
}

export interface NotesPage {
  notes: Note[];
  /** Pass as `?before=` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** POST /api/notes (201) and PATCH /api/notes/:id (200). */
export interface NoteResponse {
  note: Note;
}
