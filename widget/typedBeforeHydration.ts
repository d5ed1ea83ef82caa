/**
 * The text in the server-rendered composer as the script starts: what a person
 * typed while it loaded. Read before hydrating, which empties the textarea.
 */
export const typedBeforeHydration = (root: ParentNode): string => root.querySelector<HTMLTextAreaElement>('#composer-input')?.value ?? '';
