import { useEffect, useRef, useState } from 'preact/hooks';
import { Avatar } from './Avatar.tsx';
import { isSubmitKey } from './browser.ts';
import { LengthHint, charsLeft } from './LengthHint.tsx';
import { withLinks } from './links.tsx';
import type { Note } from './note.ts';
import { strings } from './strings.ts';
import { fullTime, relativeTime } from './time.ts';

interface NoteItemProps {
  note: Note;
  mine: boolean;
  now: number;
  locale: string;
  /** After hydration: the full-date tooltip and the local time zone wait for it (browser.ts). */
  hydrated: boolean;
  /** Resolves false when the edit was rolled back, or with the current note when the edit's base was stale. */
  onSave(base: Note, body: string): Promise<SaveResult>;
  onDelete(note: Note): void;
}

/** true: saved; false: rolled back; a note: refused as stale (409), this is the saved version now. */
export type SaveResult = boolean | Note;

type Mode = 'view' | 'edit' | 'confirm' | 'conflict';

export function NoteItem({ note, mine, now, locale, hydrated, onSave, onDelete }: NoteItemProps) {
  const [mode, setMode] = useState<Mode>('view');
  const [text, setText] = useState('');
  // The version the edit started from: a live update may change `note` meanwhile, and
  // saving against that newer version would silently overwrite it.
  const [base, setBase] = useState(note);
  // Keyboard users keep their place: focus follows each mode change, never on first render.
  const focusNext = useRef<string | null>(null);
  const root = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focusNext.current) root.current?.querySelector<HTMLElement>(`[data-testid="${focusNext.current}"]`)?.focus();
    focusNext.current = null;
  }, [mode]);

  const go = (next: Mode, focus: string) => {
    focusNext.current = focus;
    setMode(next);
  };
  const left = charsLeft(text);
  const save = async (from = base) => {
    if (!text.trim() || left < 0) return;
    go('view', 'note-edit');
    // A failed save must not cost the person what they typed.
    const result = await onSave(from, text);
    if (result === false) go('edit', 'note-edit-input');
    else if (result !== true) {
      setBase(result);
      go('conflict', 'conflict-keep-mine');
    }
  };
  const bodyId = `note-body-${note.id}`;
  const hintId = `edit-hint-${note.id}`;
  // While the session is gone (or belongs to someone else now) the editor hides; what was typed stays.
  const editing = mine && mode === 'edit';

  return (
    <li ref={root} class={note.pending ? 'note pending' : 'note'} data-testid="note" aria-busy={note.pending ? 'true' : undefined}>
      <div class="meta">
        <Avatar user={note.author} />
        <span class="author" dir="auto" data-testid="note-author">
          {note.author.name ?? strings.anonymous}
        </span>
        <time dateTime={note.createdAt} title={hydrated ? fullTime(note.createdAt, locale) : undefined}>
          {relativeTime(note.createdAt, now, locale, hydrated)}
        </time>
        {note.updatedAt !== note.createdAt && <span class="edited">{strings.edited}</span>}
        {/* In the meta line, so a note costs no extra line for them; shown on hover or focus where a pointer can hover. */}
        {mine && !note.pending && mode === 'view' && (
          <span class="actions">
            <button
              data-testid="note-edit"
              aria-describedby={bodyId}
              onClick={() => {
                setText(note.body);
                setBase(note);
                go('edit', 'note-edit-input');
              }}
            >
              {strings.edit}
            </button>
            <button data-testid="note-delete" aria-describedby={bodyId} onClick={() => go('confirm', 'note-delete-confirm')}>
              {strings.delete}
            </button>
          </span>
        )}
        {mine && mode === 'confirm' && (
          <span class="actions" role="group" aria-label={strings.confirmDelete} onKeyDown={(e) => e.key === 'Escape' && go('view', 'note-delete')}>
            {strings.confirmDelete}
            <button class="danger" data-testid="note-delete-confirm" onClick={() => onDelete(note)}>
              {strings.delete}
            </button>
            <button data-testid="note-delete-cancel" onClick={() => go('view', 'note-delete')}>
              {strings.keep}
            </button>
          </span>
        )}
      </div>
      {mine && mode === 'conflict' ? (
        <div class="conflict" role="group" aria-label={strings.conflict} data-testid="note-conflict">
          <p>{strings.conflict}</p>
          <p class="label">{strings.savedVersion}</p>
          <p class="body" dir="auto" data-testid="conflict-saved">
            {withLinks(base.body)}
          </p>
          <p class="label">{strings.yourVersion}</p>
          <p class="body" dir="auto" data-testid="conflict-mine">
            {text}
          </p>
          <div class="row">
            {/* Keeping mine sends it again, now based on the saved version the person has seen. */}
            <button class="primary" data-testid="conflict-keep-mine" onClick={() => void save(base)}>
              {strings.keepMine}
            </button>
            <button data-testid="conflict-use-saved" onClick={() => go('view', 'note-edit')}>
              {strings.useSaved}
            </button>
          </div>
        </div>
      ) : editing ? (
        <form
          class="editor"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label for={`edit-${note.id}`} class="sr-only">
            {strings.editNote}
          </label>
          <textarea
            id={`edit-${note.id}`}
            dir="auto"
            data-testid="note-edit-input"
            rows={3}
            aria-describedby={hintId}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (isSubmitKey(e)) {
                e.preventDefault();
                void save();
              } else if (e.key === 'Escape') go('view', 'note-edit');
            }}
          />
          <div class="row">
            <button type="submit" class="primary" data-testid="note-save" disabled={!text.trim() || left < 0}>
              {strings.save}
            </button>
            <button type="button" data-testid="note-cancel" onClick={() => go('view', 'note-edit')}>
              {strings.cancel}
            </button>
            <LengthHint id={hintId} left={left} />
          </div>
        </form>
      ) : (
        <p class="body" dir="auto" id={bodyId} data-testid="note-body">
          {withLinks(note.body)}
        </p>
      )}
    </li>
  );
}
