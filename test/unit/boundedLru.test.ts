import { describe, expect, it } from 'vitest';
import { boundedLru } from '../../server/boundedLru.ts';

describe('boundedLru', () => {
  const lengthLru = (maxEntries: number, maxSize: number) => boundedLru<string>({ maxEntries, maxSize, sizeOf: (v) => v.length });

  it('drops the least recently kept entry past maxEntries, counting a re-keep as a use', () => {
    const lru = lengthLru(2, 100);
    lru.keep('a', 'x');
    lru.keep('b', 'x');
    lru.keep('a', 'x'); // a is now the most recent
    lru.keep('c', 'x');
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['x', undefined, 'x']);
    expect(lru.size).toBe(2);
  });

  it('drops the oldest until the sizes fit maxSize, and counts a replaced entry once', () => {
    const lru = lengthLru(10, 10);
    lru.keep('a', 'aaaa');
    lru.keep('b', 'bbbb');
    lru.keep('b', 'bbbbbb'); // replaces b: 4 + 6 = 10 fits
    expect(lru.size).toBe(2);
    lru.keep('c', 'c'); // 11: a goes
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, 'bbbbbb', 'c']);
  });

  it('take removes the entry and frees its size', () => {
    const lru = lengthLru(10, 5);
    lru.keep('a', 'aaaaa');
    expect(lru.take('a')).toBe('aaaaa');
    expect(lru.take('a')).toBeUndefined();
    lru.keep('b', 'bbbbb');
    expect(lru.get('b')).toBe('bbbbb');
    expect(lru.size).toBe(1);
  });
});
