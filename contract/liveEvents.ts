// GET /api/notes/stream (docs/protocol.md section 4, "Live updates"): the
// Server-Sent Events the server writes and the widget reads from a fetch body.
import type { Note } from './notes.ts';

/** `event: note`, `id: <seq>`: one change of the thread; `data` is this JSON. */
export type NoteEvent = { kind: 'created' | 'updated'; note: Note } | { kind: 'deleted'; id: string };

/** `event: end`: the server closes the stream; reconnect with a fresh token (and Last-Event-ID). */
export interface StreamEnd {
  reason: 'token_expired' | 'session_revoked' | 'token_invalid' | 'shutdown';
}

/**
 * `event: reset`: Last-Event-ID does not belong to this thread's sequence (the
 * session moved to another context): reload the first page; the stream goes on
 * from that page's `lastEventId`.
 */
export interface StreamReset {
  lastEventId: string;
}
