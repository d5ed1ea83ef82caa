import { BOOTSTRAP_ELEMENT_ID, BOOTSTRAP_VERSION, type WidgetBootstrap } from '../contract/bootstrap.ts';

/** The launch page's bootstrap block, or null when this page was not opened by a launch. */
export function readBootstrap(doc: Document = document): WidgetBootstrap | null {
  const element = doc.getElementById(BOOTSTRAP_ELEMENT_ID);
  if (!element?.textContent) return null;
  try {
    const data = JSON.parse(element.textContent) as WidgetBootstrap;
    return data.v === BOOTSTRAP_VERSION && typeof data.token === 'string' ? data : null;
  } catch {
    return null;
  }
}
