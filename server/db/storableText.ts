// Text every database we support stores exactly as given. A lone surrogate has
// no UTF-8 form: drivers replace it, so two different strings could be stored
// as one (two host users as one widget user). PostgreSQL text refuses NUL.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);
