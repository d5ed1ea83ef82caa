import type { HostLink } from './hostLink.ts';

/**
 * Keeps the host's iframe as tall as the content, so the widget never shows an
 * inner scrollbar. The host link rounds the height and drops repeats (hostBridge.ts).
 */
export function reportHeight(element: Element, hostLink: Pick<HostLink, 'reportHeight'>): () => void {
  const observer = new ResizeObserver(() => hostLink.reportHeight(element.getBoundingClientRect().height));
  observer.observe(element);
  return () => observer.disconnect();
}
