// Rules about text that both sides apply the same way.

/** Characters as a person counts them: code points, so an emoji is one, not two UTF-16 units. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// A lone surrogate has no UTF-8 form: drivers replace it, so two different
// strings could be stored as one (two host users as one widget user).
// PostgreSQL text refuses NUL.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Text every database we support stores exactly as given. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);
