import type { HostLink } from './hostLink.ts';

/** Keeps the host's iframe as tall as the content, so the widget never shows an inner scrollbar. */
export function reportHeight(element: Element, hostLink: Pick<HostLink, 'reportHeight'>): () => void {
  let last = -1;
  const observer = new ResizeObserver(() => {
    const height = Math.ceil(element.getBoundingClientRect().height);
    if (height !== last) hostLink.reportHeight((last = height));
  });
  observer.observe(element);
  return () => observer.disconnect();
}
