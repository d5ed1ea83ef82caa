// What only the browser knows. The server render and the first client render
// must produce the same markup (hydration), so both are asked with
// `hydrated` false and answer what the server would; after hydration the
// browser's own answer replaces it.

/** The locale for dates and times: the one the host gave, else the browser's language. */
export const localeFor = (given: string | undefined, hydrated: boolean): string => given ?? (hydrated ? navigator.language : 'en');

/** Macs (and iPads with a keyboard) submit with ⌘+Enter; everyone else with Ctrl+Enter. */
export const isMac = (hydrated: boolean): boolean => hydrated && /Mac|iP/.test(navigator.platform);

/** Ctrl+Enter or ⌘+Enter submits; a plain Enter is a new line. */
export const isSubmitKey = (e: KeyboardEvent): boolean => e.key === 'Enter' && (e.ctrlKey || e.metaKey);
