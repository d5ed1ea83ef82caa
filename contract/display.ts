// How the host asks the widget to present itself: the reader's locale, a
// display label for the context, and the user's picture (launch claims
// `locale`, `ctx_label`, `picture`; the SDK's `locale` option). Checked by
// the server at launch and trusted by the widget after that.

/** A BCP 47 tag Intl understands, in its canonical form; null for anything else. */
export function canonicalLocale(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(value)[0] ?? null;
  } catch {
    return null;
  }
}

export const PICTURE_URL_MAX = 2048;

/**
 * A picture URL the widget may load: https only (no mixed content, no data: or
 * javascript:), no credentials in it, at most 2048 characters. Null otherwise.
 */
export function pictureUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > PICTURE_URL_MAX) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password ? url.href : null;
  } catch {
    return null;
  }
}
