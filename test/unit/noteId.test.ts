import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { newNoteId } from '../../server/notes/noteId.ts';

describe('note ids', () => {
  it('are UUIDv7 carrying the creation time in their first 48 bits', () => {
    const now = Date.UTC(2026, 11, 7, 10, 30);
    const id = newNoteId(now);
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('never repeat, also across refills of the random pool and within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newNoteId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // The random part itself differs: a reused slice of the pool would repeat it.
    expect(new Set(ids.map((id) => id.slice(14))).size).toBe(ids.length);
  });

  it('sort by creation time across milliseconds', () => {
    const ids = [3, 1, 2].map((ms) => newNoteId(1_700_000_000_000 + ms));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
