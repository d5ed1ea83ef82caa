import type { ComponentChild } from 'preact';

// Only http and https ever become links: the scheme is part of the match, so
// "javascript:" or "data:" text stays text. Everything is built as text and
// element nodes; no note text is ever parsed as HTML.
const URL_PATTERN = /\bhttps?:\/\/\w[^\s<>"]*/gi;

/** Sentence punctuation after a URL belongs to the sentence; so does a ")" the URL did not open. */
function trimUrl(url: string): string {
  url = url.replace(/[.,;:!?'\]]+$/, '');
  return url.endsWith(')') && url.split(')').length > url.split('(').length ? trimUrl(url.slice(0, -1)) : url;
}

/** The note text with each web address as a link that opens in a new tab and tells the target nothing. */
export function withLinks(text: string): ComponentChild[] {
  const parts: ComponentChild[] = [];
  let rest = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    parts.push(
      text.slice(rest, match.index),
      <a href={url} target="_blank" rel="noopener noreferrer nofollow">
        {url}
      </a>,
    );
    rest = match.index + url.length;
  }
  parts.push(text.slice(rest));
  return parts;
}
