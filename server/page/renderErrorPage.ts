import crypto from 'node:crypto';
import type { ErrorCode } from '../../contract/errors.ts';
import { escapeHtml } from './escape.ts';

const TITLES: Partial<Record<ErrorCode, string>> = {
  launch_invalid: 'The widget could not be opened',
  launch_expired: 'The launch link has expired',
  launch_replayed: 'This launch was already used',
  unknown_issuer: 'Unknown host platform',
  rate_limited: 'Too many launches',
  not_found: 'Not found',
};

/**
 * A small page shown inside the host's iframe. It may be framed by anyone:
 * it holds nothing to click and no data, and a host developer must see it.
 */
export function renderErrorPage(code: ErrorCode, message: string): { html: string; csp: string } {
  const nonce = crypto.randomBytes(16).toString('base64');
  const title = TITLES[code] ?? 'The widget could not be opened';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
:root{color-scheme:light dark;font:14px/1.45 system-ui,sans-serif}
body{margin:0;padding:16px}
.box{border:1px solid #d0463b;border-radius:8px;padding:12px 14px;max-width:40em}
h1{font-size:15px;margin:0 0 6px}
p{margin:0 0 6px}
code{font:12px ui-monospace,monospace;background:rgba(127,127,127,.15);padding:1px 4px;border-radius:4px}
</style></head>
<body><div class="box" role="alert"><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p>Error code: <code id="error-code">${escapeHtml(code)}</code></p></div></body></html>`;
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors *`;
  return { html, csp };
}
