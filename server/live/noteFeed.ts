import type { NoteScope } from '../db/notes.ts';
import type { ChangeSignal } from '../notes/noteChanges.ts';

// How a node learns that a thread changed, so its open streams read the new
// events (docs/scaling.md, "Live updates"). A signal only says "thread X is at
// seq N": streams always read the events themselves from the database, so a
// lost or duplicated signal can delay a stream but never lose or repeat a note.

export type ThreadListener = (seq: number) => void;

export interface NoteFeed extends ChangeSignal {
  /** Resolves once signals for the thread reach `listener`; call the returned function to stop. */
  subscribe(scope: NoteScope, listener: ThreadListener): Promise<() => void>;
  close(): Promise<void>;
}

/** Streams of one node, by thread. */
export class ThreadHub {
  private readonly threads = new Map<string, Set<ThreadListener>>();

  private static key = (scope: NoteScope) => `${scope.tenantId}\n${scope.ctx}`;

  add(scope: NoteScope, listener: ThreadListener): () => void {
    const key = ThreadHub.key(scope);
    let set = this.threads.get(key);
    if (!set) this.threads.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.threads.get(key) === set) this.threads.delete(key);
    };
  }

  signal(scope: NoteScope, seq: number): void {
    for (const listener of this.threads.get(ThreadHub.key(scope)) ?? []) listener(seq);
  }

  /** After signals may have been missed (a lost connection): every stream reads what it has not seen. */
  signalAll(): void {
    for (const set of this.threads.values()) for (const listener of set) listener(Number.MAX_SAFE_INTEGER);
  }
}

/** One process (SQLite): the streams that must hear about a change are all here. */
export function memoryNoteFeed(): NoteFeed {
  const hub = new ThreadHub();
  return {
    async inTransaction() {},
    afterCommit: (scope, seq) => hub.signal(scope, seq),
    subscribe: async (scope, listener) => hub.add(scope, listener),
    async close() {},
  };
}
