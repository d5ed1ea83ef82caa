const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value -> HTML that can only ever be text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const hex4 = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * JSON for a <script type="application/json"> element. Escaping '<', '>' and
 * '&' as \u escapes means no value can form "</script" or "<!--". Everything
 * outside ASCII is escaped too (U+2028/9 included, for older JSON-in-JS
 * consumers), so the page stays ASCII: see asciiHtml. JSON.parse restores
 * every character exactly, surrogate pairs included.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u0080-\uffff]/g, hex4);
}

/**
 * Markup with every character outside ASCII written as a character reference
 * (`…` as `&#x2026;`), which the HTML parser turns back into the same text, in
 * text and in attribute values alike. An ASCII page is stored by V8 one byte
 * per character and is sent as its own bytes; one "…" in it made V8 store all
 * 48 KB as UTF-16 and encode it to UTF-8 on every launch (docs/benchmark.md).
 * Not for the content of <script> or <style>: the app's markup has neither.
 * A lone surrogate (which UTF-8 cannot carry) becomes U+FFFD, as encoding would have made it.
 */
export function asciiHtml(html: string): string {
  return html.replace(/[^\x00-\x7f]/gu, (c) => {
    const point = c.codePointAt(0)!;
    return `&#x${(point >= 0xd800 && point <= 0xdfff ? 0xfffd : point).toString(16)};`;
  });
}
