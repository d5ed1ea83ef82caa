import { NOTE_BODY_MAX_CHARS } from '../contract/notes.ts';
import { charCount } from '../contract/text.ts';
import { strings } from './strings.ts';

/** Characters left as the server counts them: code points, after trimming. Negative when over. */
export const charsLeft = (text: string): number => NOTE_BODY_MAX_CHARS - charCount(text.trim());

/**
 * Nothing is ever cut: a paste past the limit stays whole, this says by how
 * much it is over, and the form will not submit until it fits.
 */
export function LengthHint({ id, left, idle }: { id: string; left: number; idle?: string }) {
  return (
    <span id={id} class={left < 0 ? 'hint over' : 'hint'}>
      {left < 0 ? strings.charsOver(-left) : left < 400 ? strings.charsLeft(left) : idle}
    </span>
  );
}
