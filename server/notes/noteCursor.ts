import { validate as isUuid } from 'uuid';
import type { NotePosition } from '../db/notes.ts';
import { WidgetError } from '../errors.ts';

// The `nextCursor` of a notes page: opaque to clients (they only echo it back
// as ?before=), but plain enough to debug: base64url of "createdAt.id".

const CURSOR = /^(\d{1,15})\.([0-9a-f-]{36})$/;

export const encodeCursor = (p: NotePosition): string => Buffer.from(`${p.createdAt}.${p.id}`).toString('base64url');

export function decodeCursor(raw: string): NotePosition {
  const match = CURSOR.exec(Buffer.from(raw, 'base64url').toString('latin1'));
  if (!match || !isUuid(match[2]!)) {
    throw new WidgetError('validation_failed', 'The "before" cursor is not valid; pass the "nextCursor" value from a previous page unchanged.');
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}
