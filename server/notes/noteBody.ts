import { NOTE_BODY_MAX_CHARS } from '../../contract/notes.ts';
import { charCount, isStorableText } from '../../contract/text.ts';
import { WidgetError } from '../errors.ts';

/** The body of a POST or PATCH, as it will be stored: trimmed, 1-4000 characters, storable. */
export function noteBodyFrom(input: Record<string, unknown>): string {
  if (!('body' in input)) throw new WidgetError('validation_failed', 'The request must be a JSON object with a "body" string: { "body": "..." }.');
  if (typeof input.body !== 'string') throw new WidgetError('validation_failed', '"body" must be a string.');
  const body = input.body.trim();
  if (body === '') throw new WidgetError('validation_failed', 'A note cannot be empty.');
  if (!isStorableText(body)) throw new WidgetError('validation_failed', 'The note contains characters that cannot be stored (NUL or an unpaired surrogate).');
  const chars = charCount(body);
  if (chars > NOTE_BODY_MAX_CHARS) {
    throw new WidgetError('validation_failed', `A note can be at most ${NOTE_BODY_MAX_CHARS} characters; this one has ${chars}.`);
  }
  return body;
}
