import crypto from 'node:crypto';
import type { ErrorCode } from '../../contract/errors.ts';
import { envelope, type WidgetMessage } from '../../contract/hostMessages.ts';
import { escapeHtml, jsonForScriptElement } from './escape.ts';

// The page a browser navigation gets when it fails, most often a refused
// launch inside a host's iframe. End users read one plain sentence; the
// developer's detail stays behind the code: in the server log (by request id),
// in docs/integrating.md section 7, and in the message posted to the host SDK.

const SENTENCES: Partial<Record<ErrorCode, string>> = {
  launch_expired: 'This view of the notes has expired; reloading the page opens it again.',
  launch_replayed: 'This view of the notes has expired; reloading the page opens it again.',
  rate_limited: 'The notes are busy right now; please try again in a minute.',
  not_found: 'There is nothing here.',
};
const DEFAULT_SENTENCE = 'The notes could not be opened here; reloading the page may help.';
// Inside an LMS no SDK can launch again: only the course can.
const LTI_SENTENCE = 'The notes could not be opened from the course; open the activity again from the course page.';
const sentenceFor = (code: ErrorCode) => SENTENCES[code] ?? (code.startsWith('lti_') ? LTI_SENTENCE : DEFAULT_SENTENCE);

/** A refused launch, reported to the host SDK in the parent window. */
export interface LaunchRefusalReport {
  requestId: string;
  /**
   * The registered origins of the host the token named, or null when no
   * registered host is known (no such issuer, a malformed token): then the
   * page reports to any parent, but the code alone.
   */
  hostOrigins: string[] | null;
}

function refusalMessage(code: ErrorCode, detail: string, report: LaunchRefusalReport): { targets: string[]; message: WidgetMessage } {
  // The browser delivers a message only to a parent at the target origin, so
  // the detail reaches that host's pages and nobody else.
  const known = report.hostOrigins !== null && report.hostOrigins.length > 0;
  return {
    targets: known ? report.hostOrigins! : ['*'],
    message: envelope({
      kind: 'error',
      code: 'launch_refused',
      serverCode: code,
      message: known ? detail : `The widget server refused the launch (${code}).`,
      requestId: report.requestId,
    }),
  };
}

/**
 * A small page shown inside the host's iframe. It may be framed by anyone:
 * it holds nothing to click and no data beyond what its message may carry.
 */
export function renderErrorPage(code: ErrorCode, detail: string, report: LaunchRefusalReport | null = null): { html: string; csp: string } {
  const nonce = crypto.randomBytes(16).toString('base64');
  const sentence = sentenceFor(code);
  const script = report
    ? `<script nonce="${nonce}">const r=${jsonForScriptElement(refusalMessage(code, detail, report))};if(parent!==window)for(const o of r.targets)parent.postMessage(r.message,o);</script>`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Notes could not be opened</title>
<style nonce="${nonce}">
:root{color-scheme:light dark;font:14px/1.45 system-ui,sans-serif}
body{margin:0;padding:12px 16px}
p{margin:0 0 4px}
.code{font-size:12px;opacity:.7}
code{font:12px ui-monospace,monospace}
</style></head>
<body><div role="alert"><p>${escapeHtml(sentence)}</p>
<p class="code">Error code <code id="error-code">${escapeHtml(code)}</code></p></div>${script}</body></html>`;
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors *`;
  return { html, csp };
}
