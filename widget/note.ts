import type { Note as NoteJson } from '../contract/notes.ts';

/** A note as the thread shows it: the wire shape, pending until the server confirmed it. */
export type Note = NoteJson & { pending?: boolean };
