import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient, type SessionInfo } from './api.ts';
import { Composer } from './Composer.tsx';
import type { NotesPage } from '../contract/notes.ts';
import type { Note } from './note.ts';
import { NoteItem } from './NoteItem.tsx';

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
}

type Phase = 'loading' | 'ready' | 'error';

const messageOf = (err: unknown) => (err instanceof Error && err.message ? err.message : 'Something went wrong.');
const isGone = (err: unknown) => err instanceof ApiError && err.status === 404;

let pendingSeq = 0;

export function NotesThread({ api, user, initial, renderedAt, generation, readOnly }: NotesThreadProps) {
  const [notes, setNotes] = useState<Note[]>(initial?.notes ?? []);
  const [cursor, setCursor] = useState<string | null>(initial?.nextCursor ?? null);
  const [phase, setPhase] = useState<Phase>(initial ? 'ready' : 'loading');
  const [loadError, setLoadError] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [now, setNow] = useState(renderedAt ?? Date.now());
  const [mounted, setMounted] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setMounted(true);
    setNow(Date.now());
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(tick);
  }, []);

  async function load() {
    try {
      const page = await api.request<NotesPage>('GET', '/api/notes');
      setNotes(page.notes);
      setCursor(page.nextCursor);
      setPhase('ready');
    } catch (err) {
      setLoadError(messageOf(err));
      setPhase('error');
    }
  }

  useEffect(() => {
    if (!initial || generation > 0) void load();
  }, [generation]);

  async function loadOlder() {
    // Hiding the button while the page loads also prevents a double fetch.
    const before = cursor;
    setCursor(null);
    try {
      const page = await api.request<NotesPage>('GET', `/api/notes?before=${encodeURIComponent(before!)}`);
      setNotes((list) => list.concat(page.notes.filter((n) => !list.some((m) => m.id === n.id))));
      setCursor(page.nextCursor);
    } catch (err) {
      setCursor(before);
      setNotice(`Could not load older notes: ${messageOf(err)}`);
    }
  }

  async function create() {
    const text = draft;
    const body = text.trim();
    const tempId = `pending-${++pendingSeq}`;
    const at = new Date().toISOString();
    setNotes((list) => [{ id: tempId, body, author: user, createdAt: at, updatedAt: at, pending: true }, ...list]);
    setDraft('');
    setNotice(null);
    try {
      const { note } = await api.request<{ note: Note }>('POST', '/api/notes', { body });
      setNotes((list) => [note, ...list.filter((n) => n.id !== tempId && n.id !== note.id)]);
    } catch (err) {
      setNotes((list) => list.filter((n) => n.id !== tempId));
      setDraft((current) => current || text);
      setNotice(`Not posted: ${messageOf(err)}`);
    }
  }

  const replace = (id: string, next: Note | null) => setNotes((list) => list.flatMap((n) => (n.id !== id ? [n] : next ? [next] : [])));

  /** True when saved; false when rolled back (the editor then reopens with what was typed). */
  async function save(before: Note, text: string): Promise<boolean> {
    const body = text.trim();
    if (body === before.body) return true;
    replace(before.id, { ...before, body });
    setNotice(null);
    try {
      const { note } = await api.request<{ note: Note }>('PATCH', `/api/notes/${before.id}`, { body });
      replace(before.id, note);
      return true;
    } catch (err) {
      replace(before.id, isGone(err) ? null : before);
      setNotice(isGone(err) ? 'That note was already deleted.' : `Edit not saved: ${messageOf(err)}`);
      return false;
    }
  }

  async function remove(note: Note) {
    const index = notes.findIndex((n) => n.id === note.id);
    replace(note.id, null);
    setNotice(null);
    composer.current?.focus();
    try {
      await api.request('DELETE', `/api/notes/${note.id}`);
    } catch (err) {
      if (isGone(err)) return;
      setNotes((list) => [...list.slice(0, index), note, ...list.slice(index)]);
      setNotice(`Not deleted: ${messageOf(err)}`);
    }
  }

  return (
    <section class="thread" aria-label="Notes">
      <Composer draft={draft} onDraft={setDraft} onSubmit={() => void create()} disabled={readOnly} inputRef={composer} />
      {notice && (
        <div class="notice" role="alert" data-testid="notice">
          <span>{notice}</span>
          <button onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {phase === 'loading' ? (
        <p class="status" role="status" data-testid="notes-loading">
          Loading notes…
        </p>
      ) : phase === 'error' ? (
        <div class="notice" role="alert" data-testid="notes-error">
          <span>Could not load notes: {loadError}</span>
          <button
            onClick={() => {
              setPhase('loading');
              void load();
            }}
          >
            Try again
          </button>
        </div>
      ) : notes.length === 0 ? (
        <p class="status" data-testid="notes-empty">
          No notes yet.
        </p>
      ) : (
        <ul class="notes" data-testid="note-list">
          {notes.map((note) => (
            <NoteItem key={note.id} note={note} mine={!readOnly && note.author.id === user.id} now={now} mounted={mounted} onSave={save} onDelete={remove} />
          ))}
        </ul>
      )}
      {phase === 'ready' && cursor && (
        <button class="more" data-testid="notes-more" onClick={() => void loadOlder()}>
          Show older notes
        </button>
      )}
    </section>
  );
}
