import type { Ref } from 'preact';
import { isMac, isSubmitKey } from './browser.ts';
import { LengthHint, charsLeft } from './LengthHint.tsx';
import { strings } from './strings.ts';

interface ComposerProps {
  draft: string;
  onDraft(text: string): void;
  onSubmit(): void;
  disabled: boolean;
  hydrated: boolean;
  inputRef: Ref<HTMLTextAreaElement>;
}

export function Composer({ draft, onDraft, onSubmit, disabled, hydrated, inputRef }: ComposerProps) {
  const left = charsLeft(draft);
  // Before hydration a click would do nothing: the button says so by being disabled until then.
  const ready = hydrated && !disabled && !!draft.trim() && left >= 0;
  const submit = () => {
    if (ready) onSubmit();
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
        {strings.newNote}
      </label>
      <textarea
        id="composer-input"
        ref={inputRef}
        dir="auto"
        data-testid="composer-input"
        rows={2}
        placeholder={strings.placeholder}
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
        <LengthHint id="composer-hint" left={left} idle={strings.submitHint(isMac(hydrated))} />
        <button type="submit" class="primary" data-testid="composer-submit" disabled={!ready}>
          {strings.post}
        </button>
      </div>
    </form>
  );
}
