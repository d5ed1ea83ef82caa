import { boundedLru, type BoundedLru } from '../boundedLru.ts';
import type { Db } from './connect.ts';

// Rows a node may answer from for a short, stated time instead of reading them
// again: the session check (db/sessions.ts) runs on every API call, and its read
// was about a third of GET /api/me's CPU (docs/benchmark.md). What is remembered
// belongs to one database handle (one node). Whoever changes such a row through
// that handle calls forget() after the change has committed: the change then
// holds on this node at once, and on other nodes (other processes, the admin
// CLI) once what they remember has aged past maxAgeMs.

interface Remembered<S> {
  state: S;
  readAt: number;
}

interface Memo<S> {
  entries: BoundedLru<Remembered<S>>;
  /** Moves on every forget(): a read that began before it must not be remembered. */
  generation: number;
}

export interface RecentReads<S> {
  /**
   * What `load` returns for `id`, or what it returned less than `maxAgeMs` before `now`.
   * Only states that `keep` accepts are remembered; `maxAgeMs` 0 always loads.
   */
  read(db: Db, id: string, now: number, maxAgeMs: number, load: () => Promise<S | undefined>): Promise<S | undefined>;
  /** Forgets `id`, or every row when no id is given (a change to many rows). */
  forget(db: Db, id?: string): void;
}

export function recentReads<S>({ maxEntries, keep }: { maxEntries: number; keep: (state: S) => boolean }): RecentReads<S> {
  const memos = new WeakMap<Db, Memo<S>>();
  const emptyEntries = () => boundedLru<Remembered<S>>({ maxEntries, maxSize: maxEntries, sizeOf: () => 1 });
  const memoOf = (db: Db): Memo<S> => {
    let memo = memos.get(db);
    if (!memo) memos.set(db, (memo = { entries: emptyEntries(), generation: 0 }));
    return memo;
  };

  return {
    async read(db, id, now, maxAgeMs, load) {
      if (maxAgeMs <= 0) return load();
      const memo = memoOf(db);
      const hit = memo.entries.get(id);
      // A clock that went back (a corrected system time) is not a reason to trust an old read.
      if (hit && now >= hit.readAt && now - hit.readAt < maxAgeMs) return hit.state;
      const generation = memo.generation;
      const state = await load();
      if (state !== undefined && keep(state) && memo.generation === generation) memo.entries.keep(id, { state, readAt: now });
      return state;
    },
    forget(db, id) {
      const memo = memos.get(db);
      if (!memo) return;
      memo.generation++;
      if (id === undefined) memo.entries = emptyEntries();
      else memo.entries.take(id);
    },
  };
}
