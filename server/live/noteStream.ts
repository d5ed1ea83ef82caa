import type { Writable } from 'node:stream';
import type { NoteEvent, StreamEnd } from '../../contract/liveEvents.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { noteEventsAfter } from '../db/noteEvents.ts';
import { findNotesById, type NoteScope } from '../db/notes.ts';
import { WidgetError } from '../errors.ts';
import { toNoteJson } from '../notes/notesPage.ts';
import type { NoteFeed } from './noteFeed.ts';

// One open stream: writes the thread's changes after `from` as Server-Sent
// Events, oldest first, each with its seq as the event id. It reads the
// events from the database whenever the feed signals the thread (and on every
// re-check, in case a signal was lost), so delivery follows the committed
// sequence: nothing skipped, nothing twice. It ends itself when the token
// expires or the session is revoked (checked every `recheckMs` and at `exp`).

export interface NoteStreamOptions {
  db: Db;
  feed: NoteFeed;
  clock: Clock;
  scope: NoteScope;
  /** The last seq the client has. */
  from: number;
  /** The token's exp (epoch seconds). */
  tokenExp: number;
  /** The session is still live (throws its WidgetError when not). */
  check(): Promise<void>;
  recheckMs: number;
}

const BATCH = 100;
/** A client that reads this far behind is cut off; it resumes from its last id when it reconnects. */
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_TIMER_MS = 2 ** 31 - 1;

const endReasonOf = (err: unknown): StreamEnd['reason'] =>
  err instanceof WidgetError && (err.code === 'token_expired' || err.code === 'session_revoked') ? err.code : 'token_invalid';

/** Starts writing to `out`; resolves once the stream is subscribed. The returned function ends it. */
export async function startNoteStream(out: Writable, options: NoteStreamOptions): Promise<(reason?: StreamEnd['reason']) => void> {
  const { db, scope, clock } = options;
  let last = options.from;
  let ended = false;
  let pumping = false;
  let again = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};

  function end(reason?: StreamEnd['reason']) {
    if (ended) return;
    ended = true;
    for (const t of timers) clearTimeout(t);
    unsubscribe();
    if (reason && out.writable) out.write(`event: end\ndata: ${JSON.stringify({ reason } satisfies StreamEnd)}\n\n`);
    out.end();
  }

  function send(seq: number, event: NoteEvent) {
    if (ended) return;
    out.write(`id: ${seq}\nevent: note\ndata: ${JSON.stringify(event)}\n\n`);
  }

  async function pumpOnce(): Promise<boolean> {
    if (ended) return false;
    const events = await noteEventsAfter(db, scope, last, BATCH);
    const notes = new Map((await findNotesById(db, scope, events.filter((e) => e.kind !== 'deleted').map((e) => e.noteId))).map((n) => [n.id, n]));
    for (const event of events) {
      if (ended) return false;
      const note = notes.get(event.noteId);
      // A note deleted since: its deletion is a later event of this same read, or the next one.
      if (event.kind === 'deleted') send(event.seq, { kind: 'deleted', id: event.noteId });
      else if (note) send(event.seq, { kind: event.kind, note: toNoteJson(note) });
      last = event.seq;
    }
    if (out.writableLength > MAX_BUFFERED_BYTES) end();
    return events.length === BATCH;
  }

  async function pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do again = false;
      while (((await pumpOnce()) || again) && !ended);
    } catch {
      // The database is away for a moment: the next signal or re-check reads again.
    } finally {
      pumping = false;
    }
  }

  async function recheck() {
    if (ended) return;
    if (clock.now() >= options.tokenExp * 1000) return end('token_expired');
    try {
      await options.check();
    } catch (err) {
      return end(endReasonOf(err));
    }
    if (ended) return;
    // A comment line keeps proxies from closing an idle connection.
    out.write(':\n\n');
    await pump();
    schedule();
  }

  function schedule() {
    if (ended) return;
    const untilExp = Math.max(0, options.tokenExp * 1000 - clock.now());
    timers.length = 0;
    timers.push(setTimeout(() => void recheck(), Math.min(options.recheckMs, untilExp, MAX_TIMER_MS)));
  }

  out.on('close', () => end());
  out.write(': stream open\n\n');
  unsubscribe = await options.feed.subscribe(scope, (seq) => {
    if (seq > last) void pump();
  });
  if (ended) unsubscribe();
  await pump();
  schedule();
  return end;
}
