import { BOOTSTRAP_ELEMENT_ID, type Theme, type WidgetBootstrap } from '../../contract/bootstrap.ts';
import type { SessionUser } from '../../contract/session.ts';
import { deflatePart, type DeflatedPart } from '../gzip/gzipParts.ts';
import { asciiHtml, escapeHtml, jsonForScriptElement } from './escape.ts';

export interface WidgetPageAssets {
  scripts: string[]; // URL paths of module scripts
  /** Chunks the scripts import, fetched in parallel instead of one round trip later. */
  preloads: string[];
  styles: string[]; // URL paths of stylesheets
}

/** The bootstrap fields that come from the thread's first page: the same for every launch of it until it changes. */
export type ThreadBootstrap = Pick<WidgetBootstrap, 'notes' | 'nextCursor' | 'lastEventId' | 'renderedAt'>;
/** The bootstrap fields of one launch (its session). */
export type LaunchBootstrap = Omit<WidgetBootstrap, keyof ThreadBootstrap>;

// The page is made of three parts, so that the large middle one (the thread's
// markup and its notes as JSON) is made and compressed once per thread and
// render, and only the two small ends per launch (issue 17: compressing the
// whole page was about a quarter of a launch's CPU):
//   opening  head (per-launch nonce), <div id="app">, the app's per-launch markup (header)
//   thread   the rest of the app's markup, </div>, the bootstrap block up to the thread's last field
//   closing  the per-launch bootstrap fields, the scripts (nonce)
// The bootstrap block is one JSON object whose members are split across the
// last two parts: the thread's first, then the launch's.
// Every part is ASCII (asciiHtml, jsonForScriptElement): its bytes are its characters.

export interface PageOpeningInput {
  nonce: string;
  theme: Theme;
  assets: WidgetPageAssets;
  /** The app's markup before the thread's, already HTML (its opening tags stay open). */
  appOpening: string;
}

export function widgetPageOpening({ nonce, theme, assets, appOpening }: PageOpeningInput): Buffer {
  const styles = assets.styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  const preloads = assets.preloads.map((href) => `<link rel="modulepreload" nonce="${nonce}" href="${escapeHtml(href)}">`).join('');
  return Buffer.from(
    `<!doctype html>
<html lang="en" data-theme="${escapeHtml(theme)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Notes</title>${styles}${preloads}</head>
<body><div id="app">${asciiHtml(appOpening)}`,
    'latin1',
  );
}

/** The middle of every launch page of a thread, compressed once, and the picture origins its CSP must allow. */
export interface ThreadPagePart {
  part: DeflatedPart;
  pictureOrigins: string[];
}

/** `appThread`: the app's markup from the thread on, closing what the opening left open. */
export function threadPagePart(appThread: string, data: ThreadBootstrap): ThreadPagePart {
  const json = jsonForScriptElement(data);
  const text = `${asciiHtml(appThread)}</div>
<script type="application/json" id="${BOOTSTRAP_ELEMENT_ID}">${json.slice(0, -1)}`;
  // Compressed once and sent with many launches: the slowest level is worth it.
  return { part: deflatePart(Buffer.from(text, 'latin1'), 9), pictureOrigins: pictureOrigins(data.notes.map((n) => n.author)) };
}

export function widgetPageClosing({ nonce, assets, bootstrap }: { nonce: string; assets: WidgetPageAssets; bootstrap: LaunchBootstrap }): Buffer {
  const scripts = assets.scripts.map((src) => `<script type="module" nonce="${nonce}" src="${escapeHtml(src)}"></script>`).join('');
  // The thread's part ends inside the bootstrap object, after a member: these members follow it.
  return Buffer.from(`,${jsonForScriptElement(bootstrap).slice(1)}</script>
${scripts}</body></html>`, 'latin1');
}

/** The exact origins of the users' pictures, for the page's CSP img-src. */
export const pictureOrigins = (users: readonly SessionUser[]) => [...new Set(users.flatMap((u) => (u.picture ? [new URL(u.picture).origin] : [])))];

/**
 * CSP for the widget page (docs/protocol.md section 2). `imageOrigins`: the
 * exact origins of the users' pictures on the page, nothing wider (a picture
 * from anywhere else falls back to initials).
 */
export function widgetPageCsp(nonce: string, frameAncestors: string[], imageOrigins: string[] = []): string {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return [
    "default-src 'none'",
    // strict-dynamic: modules imported by the nonce'd entry may load; nothing parser-inserted without the nonce can.
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self'",
    ["img-src 'self' data:", ...imageOrigins].join(' '),
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}
