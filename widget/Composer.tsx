import type { Ref } from 'preact';
import { NOTE_BODY_MAX_CHARS } from '../contract/notes.ts';

/** Ctrl+Enter (Cmd+Enter on a Mac) submits, plain Enter makes a new line. */
export const isSubmitKey = (e: KeyboardEvent) => e.key === 'Enter' && (e.ctrlKey || e.metaKey);

interface ComposerProps {
  draft: string;
  onDraft(text: string): void;
  onSubmit(): void;
  disabled: boolean;
  inputRef: Ref<HTMLTextAreaElement>;
}

export function Composer({ draft, onDraft, onSubmit, disabled, inputRef }: ComposerProps) {
  const left = NOTE_BODY_MAX_CHARS - draft.length;
  const submit = () => {
    if (!disabled && draft.trim()) onSubmit();
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="composer-input" class="sr-only">
        New note
      </label>
      <textarea
        id="composer-input"
        ref={inputRef}
        data-testid="composer-input"
        rows={2}
        maxLength={NOTE_BODY_MAX_CHARS}
        placeholder="Add a note…"
        aria-describedby="composer-hint"
        value={draft}
        onInput={(e) => onDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (isSubmitKey(e)) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div class="row">
        <span id="composer-hint" class="hint">
          {left < 400 ? `${left} characters left` : 'Ctrl+Enter to post'}
        </span>
        <button type="submit" class="primary" data-testid="composer-submit" disabled={disabled || !draft.trim()}>
          Post
        </button>
      </div>
    </form>
  );
}
