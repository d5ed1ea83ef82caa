// What only the browser knows. The server render and the first client render
// must produce the same markup (hydration), so both are asked with
// `hydrated` false and answer what the server would; after hydration the
// browser's own answer replaces it.

/**
 * The locale for dates and times: the one the host gave, else the browser's
 * language. Not always a valid tag (WebKitGTK in a C locale says "C"), and Intl
 * throws on one, so anything it cannot read means English.
 */
export function localeFor(given: string | undefined, hydrated: boolean): string {
  try {
    return Intl.getCanonicalLocales(given ?? (hydrated ? navigator.language : 'en'))[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/** Macs (and iPads with a keyboard) submit with ⌘+Enter; everyone else with Ctrl+Enter. */
export const isMac = (hydrated: boolean): boolean => hydrated && /Mac|iP/.test(navigator.platform);

/** Ctrl+Enter or ⌘+Enter submits; a plain Enter is a new line. */
export const isSubmitKey = (e: KeyboardEvent): boolean => e.key === 'Enter' && (e.ctrlKey || e.metaKey);
