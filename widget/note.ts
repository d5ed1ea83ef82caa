// Wire shapes of GET/POST/PATCH /api/notes (protocol section 4).
export interface Note {
  id: string;
  body: string;
  author: { id: string; name: string | null };
  createdAt: string;
  updatedAt: string;
  /** Client-only: shown before the server confirmed it. */
  pending?: boolean;
}

export interface NotesPage {
  notes: Note[];
  nextCursor: string | null;
}

export const NOTE_MAX_CHARS = 4000;
