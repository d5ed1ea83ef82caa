// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { asciiHtml, escapeHtml, jsonForScriptElement } from '../../server/page/escape.ts';

describe('jsonForScriptElement', () => {
  const hostile = ['</script><script>alert(1)</script>', '<!--<script>', ']]>', '\u2028\u2029', '&lt;', "'\"`", '</ScRiPt >'];

  it.each(hostile)('round-trips %j exactly and contains no < > &', (value) => {
    const encoded = jsonForScriptElement({ value });
    expect(encoded).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(encoded)).toEqual({ value });
  });
});

describe('an ASCII page', () => {
  const text = 'Zoë wrote… 日本語 😀 مرحبا';

  it('keeps the JSON ASCII and round-trips every character, surrogate pairs included', () => {
    const encoded = jsonForScriptElement({ text, lone: '\ud800' });
    expect(encoded).toMatch(/^[\x00-\x7f]*$/);
    expect(JSON.parse(encoded)).toEqual({ text, lone: '\ud800' });
  });

  it('writes markup outside ASCII as character references the HTML parser turns back into the same text', () => {
    const html = `<p title="${text}">${text}</p>`;
    const ascii = asciiHtml(html);
    expect(ascii).toMatch(/^[\x00-\x7f]*$/);
    expect(ascii).toContain('wrote&#x2026;');
    expect(ascii).toContain('&#x1f600;');
    const doc = new DOMParser().parseFromString(ascii, 'text/html');
    expect(doc.querySelector('p')!.textContent).toBe(text);
    expect(doc.querySelector('p')!.getAttribute('title')).toBe(text);
  });

  it('leaves ASCII markup as it is, and turns a lone surrogate into U+FFFD', () => {
    expect(asciiHtml('<b>plain &amp; simple</b>')).toBe('<b>plain &amp; simple</b>');
    expect(asciiHtml('a\ud800b')).toBe('a&#xfffd;b');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
