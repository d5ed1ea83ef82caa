import { useEffect, useRef, useState } from 'preact/hooks';
import { isSubmitKey } from './Composer.tsx';
import { NOTE_BODY_MAX_CHARS } from '../contract/notes.ts';
import type { Note } from './note.ts';
import { relativeTime } from './relativeTime.ts';

interface NoteItemProps {
  note: Note;
  mine: boolean;
  now: number;
  /** After hydration: locale-dependent text differs between server and browser, so it waits for this. */
  mounted: boolean;
  /** Resolves false when the edit was rolled back. */
  onSave(note: Note, body: string): Promise<boolean>;
  onDelete(note: Note): void;
}

type Mode = 'view' | 'edit' | 'confirm';

export function NoteItem({ note, mine, now, mounted, onSave, onDelete }: NoteItemProps) {
  const [mode, setMode] = useState<Mode>('view');
  const [text, setText] = useState('');
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
  const save = async () => {
    if (!text.trim()) return;
    go('view', 'note-edit');
    // A failed save must not cost the person what they typed.
    if (!(await onSave(note, text))) go('edit', 'note-edit-input');
  };
  const bodyId = `note-body-${note.id}`;
  const edited = note.updatedAt !== note.createdAt;

  return (
    <li ref={root} class={note.pending ? 'note pending' : 'note'} data-testid="note" aria-busy={note.pending ? 'true' : undefined}>
      <div class="meta">
        <span class="author" data-testid="note-author">
          {note.author.name ?? 'Anonymous'}
        </span>
        <time dateTime={note.createdAt} title={mounted ? new Date(note.createdAt).toLocaleString() : undefined}>
          {relativeTime(note.createdAt, now)}
        </time>
        {edited && <span class="edited">edited</span>}
      </div>
      {mode === 'edit' ? (
        <form
          class="editor"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label for={`edit-${note.id}`} class="sr-only">
            Edit note
          </label>
          <textarea
            id={`edit-${note.id}`}
            data-testid="note-edit-input"
            rows={3}
            maxLength={NOTE_BODY_MAX_CHARS}
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
            <button type="submit" class="primary" data-testid="note-save" disabled={!text.trim()}>
              Save
            </button>
            <button type="button" data-testid="note-cancel" onClick={() => go('view', 'note-edit')}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p class="body" id={bodyId} data-testid="note-body">
          {note.body}
        </p>
      )}
      {mine && !note.pending && mode === 'view' && (
        <div class="actions">
          <button
            data-testid="note-edit"
            aria-describedby={bodyId}
            onClick={() => {
              setText(note.body);
              go('edit', 'note-edit-input');
            }}
          >
            Edit
          </button>
          <button data-testid="note-delete" aria-describedby={bodyId} onClick={() => go('confirm', 'note-delete-confirm')}>
            Delete
          </button>
        </div>
      )}
      {mode === 'confirm' && (
        <div class="actions" role="group" aria-label="Delete this note?" onKeyDown={(e) => e.key === 'Escape' && go('view', 'note-delete')}>
          <span class="hint">Delete this note?</span>
          <button class="danger" data-testid="note-delete-confirm" onClick={() => onDelete(note)}>
            Delete
          </button>
          <button data-testid="note-delete-cancel" onClick={() => go('view', 'note-delete')}>
            Keep
          </button>
        </div>
      )}
    </li>
  );
}
