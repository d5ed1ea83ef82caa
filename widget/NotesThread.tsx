import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient, type SessionInfo } from './api.ts';
import { localeFor } from './browser.ts';
import { Composer } from './Composer.tsx';
import { followThread } from './liveNotes.ts';
import type { NoteEvent } from '../contract/liveEvents.ts';
import { noteEtag, type ConflictBody, type NotesPage } from '../contract/notes.ts';
import type { Note } from './note.ts';
import { NoteItem, type SaveResult } from './NoteItem.tsx';
import { Notice } from './Notice.tsx';
import { strings } from './strings.ts';

interface NotesThreadProps {
  api: ApiClient;
  user: SessionInfo['user'];
  /** The server-rendered first page; absent means load it now. */
  initial?: NotesPage | null;
  /** The server's clock when it rendered, so hydration sees the same relative times. */
  renderedAt?: number;
  /** Bumped when a new session starts: the thread is reloaded. */
  generation: number;
  readOnly: boolean;
  locale?: string;
  /**
   * What the person typed into the server's composer before the script ran: no handler heard it,
   * and hydration empties the textarea (Preact sets a textarea's value), so it is put back as the draft.
   */
  typedBeforeHydration?: string;
}

type Phase = 'loading' | 'ready' | 'error';

/**
 * Notes shown at first and added by each "Show older notes". The SDK caps the
 * iframe at 4,000 px by default: twenty short notes and the composer fit well
 * within it at 320 px, fifty did not. Notes already loaded are revealed
 * without a request.
 */
export const NOTES_SHOWN = 20;

const messageOf = (err: unknown) => (err instanceof Error && err.message ? err.message : strings.somethingWrong);
const isGone = (err: unknown) => err instanceof ApiError && err.status === 404;
/** The note as it is now, when a change was refused for being based on an older version (409 conflict). */
const newerOf = (err: unknown): Note | null => (err instanceof ApiError && err.code === 'conflict' ? ((err.data as ConflictBody | null)?.note ?? null) : null);
/** Changes carry the version they were based on: a stale one is refused, never silently applied. */
const basedOn = (note: Note) => ({ 'If-Match': noteEtag(note.version) });
// The session message above the thread already tells (expired, or someone else now): one message per state.
const isSessionLoss = (err: unknown) => err instanceof ApiError && err.status === 401;

let pendingSeq = 0;

export function NotesThread({ api, user, initial, renderedAt, generation, readOnly, locale, typedBeforeHydration }: NotesThreadProps) {
  const [notes, setNotes] = useState<Note[]>(initial?.notes ?? []);
  const [cursor, setCursor] = useState<string | null>(initial?.nextCursor ?? null);
  // Where the live stream starts: the first page's place in the thread's change sequence.
  const [liveFrom, setLiveFrom] = useState<string | null>(initial?.lastEventId ?? null);
  const [shown, setShown] = useState(NOTES_SHOWN);
  const [phase, setPhase] = useState<Phase>(initial ? 'ready' : 'loading');
  const [loadError, setLoadError] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [now, setNow] = useState(renderedAt ?? Date.now());
  const [hydrated, setHydrated] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setHydrated(true);
    if (typedBeforeHydration) setDraft(typedBeforeHydration);
    setNow(Date.now());
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(tick);
  }, []);

  const fail = (say: (why: string) => string, err: unknown) => {
    if (!isSessionLoss(err)) setNotice(say(messageOf(err)));
  };

  async function load() {
    try {
      const page = await api.request<NotesPage>('GET', '/api/notes');
      setNotes(page.notes);
      setCursor(page.nextCursor);
      setLiveFrom(page.lastEventId ?? null);
      setShown(NOTES_SHOWN);
      setPhase('ready');
    } catch (err) {
      // Without a session there is nothing to retry here; the new session reloads.
      if (isSessionLoss(err)) return;
      setLoadError(messageOf(err));
      setPhase('error');
    }
  }

  useEffect(() => {
    // A new session (maybe another context) must not keep the old one's stream: it restarts from the new page.
    if (generation > 0) setLiveFrom(null);
    if (!initial || generation > 0) void load();
  }, [generation]);

  /** A change from the live stream; a version the list already has (or passed) changes nothing. */
  function applyLive(event: NoteEvent) {
    setNotes((list) => {
      if (event.kind === 'deleted') return list.filter((n) => n.id !== event.id);
      const known = list.find((n) => n.id === event.note.id);
      if (known) return known.version >= event.note.version ? list : list.map((n) => (n === known ? event.note : n));
      // An edit of a note older than the loaded pages has nothing to update here.
      if (event.kind !== 'created') return list;
      // My own post, on the stream before the answer to it: it takes its pending copy's place.
      const pending = list.findIndex((n) => n.pending && n.author.id === event.note.author.id && n.body === event.note.body);
      return pending < 0 ? [event.note, ...list] : list.map((n, i) => (i === pending ? event.note : n));
    });
  }

  useEffect(() => {
    if (liveFrom === null) return;
    return followThread(api, liveFrom, { onEvent: applyLive, onReset: () => void load() });
  }, [api, liveFrom]);

  async function loadOlder() {
    // Hiding the button while the page loads also prevents a double fetch.
    const before = cursor;
    setCursor(null);
    try {
      const page = await api.request<NotesPage>('GET', `/api/notes?before=${encodeURIComponent(before!)}`);
      setNotes((list) => list.concat(page.notes.filter((n) => !list.some((m) => m.id === n.id))));
      setShown(notes.length + NOTES_SHOWN);
      setCursor(page.nextCursor);
    } catch (err) {
      setCursor(before);
      fail(strings.olderFailed, err);
    }
  }

  async function create() {
    const text = draft;
    const body = text.trim();
    const tempId = `pending-${++pendingSeq}`;
    const at = new Date().toISOString();
    setNotes((list) => [{ id: tempId, body, author: user, createdAt: at, updatedAt: at, version: 0, pending: true }, ...list]);
    setDraft('');
    setNotice(null);
    try {
      const { note } = await api.request<{ note: Note }>('POST', '/api/notes', { body });
      setNotes((list) => [note, ...list.filter((n) => n.id !== tempId && n.id !== note.id)]);
    } catch (err) {
      setNotes((list) => list.filter((n) => n.id !== tempId));
      setDraft((current) => current || text);
      fail(strings.notPosted, err);
    }
  }

  const replace = (id: string, next: Note | null) => setNotes((list) => list.flatMap((n) => (n.id !== id ? [n] : next ? [next] : [])));

  /**
   * True when saved; false when rolled back (the editor then reopens with what was typed);
   * the current note when `before` was stale (409 conflict: the editor offers both versions).
   */
  async function save(before: Note, text: string): Promise<SaveResult> {
    const body = text.trim();
    if (body === before.body) return true;
    const shown = notes.find((n) => n.id === before.id) ?? before;
    replace(before.id, { ...shown, body });
    setNotice(null);
    try {
      const { note } = await api.request<{ note: Note }>('PATCH', `/api/notes/${before.id}`, { body }, basedOn(before));
      replace(before.id, note);
      return true;
    } catch (err) {
      const newer = newerOf(err);
      replace(before.id, isGone(err) ? null : (newer ?? shown));
      if (newer) return newer;
      if (isGone(err)) setNotice(strings.alreadyDeleted);
      else fail(strings.notSaved, err);
      return false;
    }
  }

  async function remove(note: Note) {
    const index = notes.findIndex((n) => n.id === note.id);
    replace(note.id, null);
    setNotice(null);
    composer.current?.focus();
    try {
      await api.request('DELETE', `/api/notes/${note.id}`, undefined, basedOn(note));
    } catch (err) {
      if (isGone(err)) return;
      const newer = newerOf(err);
      setNotes((list) => [...list.slice(0, index), newer ?? note, ...list.slice(index)]);
      if (newer) setNotice(strings.changedNotDeleted);
      else fail(strings.notDeleted, err);
    }
  }

  const hidden = notes.length - shown;
  const lang = localeFor(locale, hydrated);

  return (
    <section class="thread" aria-label={strings.thread}>
      <Composer draft={draft} onDraft={setDraft} onSubmit={() => void create()} disabled={readOnly} hydrated={hydrated} inputRef={composer} />
      {notice && (
        <Notice testid="notice" action={strings.dismiss} onAction={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      {phase === 'error' ? (
        <Notice
          testid="notes-error"
          action={strings.tryAgain}
          onAction={() => {
            setPhase('loading');
            void load();
          }}
        >
          {strings.loadFailed(loadError)}
        </Notice>
      ) : phase === 'loading' ? (
        !readOnly && (
          <p class="status" role="status" data-testid="notes-loading">
            {strings.loading}
          </p>
        )
      ) : notes.length === 0 ? (
        <p class="status" data-testid="notes-empty">
          {strings.empty}
        </p>
      ) : (
        <ul class="notes" data-testid="note-list">
          {/* Edit controls wait for hydration (they do nothing before it), so the server's render of a thread is the same for every viewer and can be shared. */}
          {notes.slice(0, shown).map((note) => (
            <NoteItem key={note.id} note={note} mine={hydrated && !readOnly && note.author.id === user.id} now={now} locale={lang} hydrated={hydrated} onSave={save} onDelete={remove} />
          ))}
        </ul>
      )}
      {phase === 'ready' && (hidden > 0 || cursor) && (
        <button class="more" data-testid="notes-more" disabled={!hydrated} onClick={hidden > 0 ? () => setShown(shown + NOTES_SHOWN) : () => void loadOlder()}>
          {hidden > 0 ? strings.showOlder(Math.min(hidden, NOTES_SHOWN)) : strings.loadOlder}
        </button>
      )}
    </section>
  );
}
