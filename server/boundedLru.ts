// One bounded memory for what a node keeps between requests (the first-page
// caches, page/firstPageCache.ts and notes/firstPageAnswers.ts; recent session
// reads, db/recentReads.ts): at most `maxEntries` entries and `maxSize` in
// all, by what `sizeOf` counts, least recently kept dropped first. A Map
// iterates in insertion order, so re-inserting on use keeps the least recently
// used first.

export interface BoundedLru<V> {
  get(key: string): V | undefined;
  /** Removes the entry and returns it: for an entry about to change size, kept again after. */
  take(key: string): V | undefined;
  /** Stores (or re-stores, as most recently used) the entry, then evicts until both bounds hold. */
  keep(key: string, value: V): void;
  readonly size: number;
}

export function boundedLru<V>({ maxEntries, maxSize, sizeOf }: { maxEntries: number; maxSize: number; sizeOf: (value: V) => number }): BoundedLru<V> {
  const entries = new Map<string, { value: V; size: number }>();
  let total = 0;

  const take = (key: string): V | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    total -= entry.size;
    return entry.value;
  };

  return {
    get: (key) => entries.get(key)?.value,
    take,
    keep(key, value) {
      take(key);
      const size = sizeOf(value);
      entries.set(key, { value, size });
      total += size;
      if (entries.size <= maxEntries && total <= maxSize) return;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && total <= maxSize) break;
        take(oldest);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
