import { BOOTSTRAP_ELEMENT_ID, type WidgetBootstrap } from '../../contract/bootstrap.ts';
import { asciiHtml, escapeHtml, jsonForScriptElement } from './escape.ts';

export interface WidgetPageAssets {
  scripts: string[]; // URL paths of module scripts
  /** Chunks the scripts import, fetched in parallel instead of one round trip later. */
  preloads: string[];
  styles: string[]; // URL paths of stylesheets
}

export interface RenderWidgetPageInput {
  nonce: string;
  bootstrap: WidgetBootstrap;
  assets: WidgetPageAssets;
  /** Server-rendered markup for the app root, already HTML. */
  appHtml: string;
}

/** The page, ASCII only (asciiHtml, jsonForScriptElement): its bytes are its characters. */
export function renderWidgetPage({ nonce, bootstrap, assets, appHtml }: RenderWidgetPageInput): string {
  const styles = assets.styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  const preloads = assets.preloads.map((href) => `<link rel="modulepreload" nonce="${nonce}" href="${escapeHtml(href)}">`).join('');
  const scripts = assets.scripts.map((src) => `<script type="module" nonce="${nonce}" src="${escapeHtml(src)}"></script>`).join('');
  return `<!doctype html>
<html lang="en" data-theme="${escapeHtml(bootstrap.theme)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Notes</title>${styles}${preloads}</head>
<body><div id="app">${asciiHtml(appHtml)}</div>
<script type="application/json" id="${BOOTSTRAP_ELEMENT_ID}">${jsonForScriptElement(bootstrap)}</script>
${scripts}</body></html>`;
}

/** CSP for the widget page (docs/protocol.md section 2). */
export function widgetPageCsp(nonce: string, frameAncestors: string[]): string {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return [
    "default-src 'none'",
    // strict-dynamic: modules imported by the nonce'd entry may load; nothing parser-inserted without the nonce can.
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}
