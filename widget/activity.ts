import type { ApiClient } from './api.ts';

// What counts as "the user is active" for session refresh: input in the
// widget, or its tab becoming visible. A tab left open with nobody at it is idle.
const INPUT_EVENTS = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart', 'focusin'];

export function trackActivity(api: Pick<ApiClient, 'markActive'>, doc: Document = document): () => void {
  const onInput = () => api.markActive();
  const onVisibility = () => {
    if (doc.visibilityState === 'visible') api.markActive();
  };
  const options = { capture: true, passive: true };
  for (const type of INPUT_EVENTS) doc.addEventListener(type, onInput, options);
  doc.addEventListener('visibilitychange', onVisibility);
  onVisibility();
  return () => {
    for (const type of INPUT_EVENTS) doc.removeEventListener(type, onInput, options);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}
