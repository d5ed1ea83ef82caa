import { WidgetError } from '../errors.ts';
import type { WidgetContext } from './state.ts';

// If-Match (RFC 9110 section 13.1.1): "*" or a list of entity tags. It uses
// the strong comparison, so a weak tag (W/"...") never matches.

export type IfMatch = { any: true } | { tags: string[] };

const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/** The request's If-Match, or undefined when it sent none. */
export function readIfMatch(ctx: WidgetContext): IfMatch | undefined {
  const raw = ctx.get('If-Match').trim();
  if (!raw) return undefined;
  if (raw === '*') return { any: true };
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length > 20 || !parts.every((p) => ENTITY_TAG.test(p))) {
    throw new WidgetError('validation_failed', 'If-Match must be "*" or entity tags such as "v3", as the note\'s ETag gave them.');
  }
  return { tags: parts.filter((p) => !p.startsWith('W/')) };
}

export const ifMatchAllows = (condition: IfMatch | undefined, etag: string) => !condition || 'any' in condition || condition.tags.includes(etag);
