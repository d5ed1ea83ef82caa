import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScriptElement } from '../../server/page/escape.ts';

describe('jsonForScriptElement', () => {
  const hostile = ['</script><script>alert(1)</script>', '<!--<script>', ']]>', '\u2028\u2029', '&lt;', "'\"`", '</ScRiPt >'];

  it.each(hostile)('round-trips %j exactly and contains no < > &', (value) => {
    const encoded = jsonForScriptElement({ value });
    expect(encoded).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(encoded)).toEqual({ value });
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
