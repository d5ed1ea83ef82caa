import type { NotesPage } from '../../contract/notes.ts';
import type { Clock } from '../clock.ts';
import { boundedLru } from '../boundedLru.ts';
import type { Db } from '../db/connect.ts';
import { currentNoteSeq } from '../db/noteEvents.ts';
import type { NoteScope } from '../db/notes.ts';
import { readNotesPage } from '../notes/notesPage.ts';

// The first page of a thread, read and rendered once and shared by the launches
// that follow until the thread changes: the notes read and their server render
// were about 40 % of a launch (issue 17).
//
// Validity is the thread's seq (note_threads.seq), read on every use: every
// change to a thread bumps it in the change's own transaction, so a cached page
// is used only while no change has committed since it was read, on whichever
// node made the change. No signal is needed, and none can be missed. This
// relies on a thread's seq never going back: its note_threads row is never
// deleted but with its tenant (purging note_events leaves it).
//
// What the seq does not cover: an author's display name or picture (they follow
// the author's latest launch, not a change to the thread) and the relative
// times in the markup. Both are bounded by maxAgeMs; the widget re-renders the
// times with the browser's clock as soon as it hydrates.

/**
 * Renders a page of a thread at `renderedAt`, in `locale` (absent: the default): its markup, the same for
 * every viewer (widget/NotesThread.tsx renders edit controls only once hydrated), and whatever else a
 * launch page needs of it. `renderedAt` is the clock the markup's relative times were rendered at: the
 * bootstrap carries it, so hydration matches.
 */
export type ThreadRenderer<T> = (page: NotesPage, renderedAt: number, locale: string | undefined) => T;

export interface FirstPageCacheOptions {
  /** Threads kept (least recently launched dropped first). */
  maxThreads: number;
  /** Characters kept in all (note bodies plus each render's size), so a few long threads cannot grow the heap unbounded. */
  maxChars: number;
  /** How long one read and its renders may serve (names and relative times may be this old). */
  maxAgeMs: number;
  /** Renders kept per thread, one per locale. */
  maxLocales: number;
}

export const FIRST_PAGE_CACHE_DEFAULTS: FirstPageCacheOptions = { maxThreads: 256, maxChars: 8_000_000, maxAgeMs: 30_000, maxLocales: 4 };

interface CachedThread<T> {
  seq: number;
  readAt: number;
  page: NotesPage;
  pageChars: number;
  renders: Map<string, { rendered: T; chars: number }>;
}

/** The first page of a thread, rendered in a locale. */
export type FirstPageCache<T> = ((scope: NoteScope, locale: string | undefined) => Promise<T>) & {
  /** Threads held now (for tests). */
  readonly size: number;
};

const charsOf = (entry: CachedThread<unknown>) => entry.pageChars + [...entry.renders.values()].reduce((sum, r) => sum + r.chars, 0);

// A note's fixed fields (ids, times, names) are a few hundred characters besides its body.
const pageCharsOf = (page: NotesPage) => page.notes.reduce((sum, n) => sum + n.body.length + 300, 0);

export interface FirstPageCacheDeps<T> {
  db: Db;
  clock: Clock;
  render: ThreadRenderer<T>;
  /** What one render holds, in characters or bytes, counted against maxChars. */
  sizeOf: (rendered: T) => number;
  options?: Partial<FirstPageCacheOptions>;
}

export function createFirstPageCache<T>({ db, clock, render, sizeOf, options = {} }: FirstPageCacheDeps<T>): FirstPageCache<T> {
  const { maxThreads, maxChars, maxAgeMs, maxLocales } = { ...FIRST_PAGE_CACHE_DEFAULTS, ...options };
  const threads = boundedLru<CachedThread<T>>({ maxEntries: maxThreads, maxSize: maxChars, sizeOf: charsOf });

  const firstPage = async (scope: NoteScope, locale: string | undefined): Promise<T> => {
    const key = `${scope.tenantId}\n${scope.ctx}`;
    const seq = await currentNoteSeq(db, scope);
    const now = clock.now();
    // Taken out while it may change (a new read, a new render), kept again after: its size is counted as kept.
    let entry = threads.take(key);
    if (!entry || entry.seq !== seq || !(now >= entry.readAt && now - entry.readAt < maxAgeMs)) {
      // `seq` was read before the notes: the page holds every change up to it (and carries it as lastEventId).
      const page = await readNotesPage(db, scope, { seq });
      entry = { seq, readAt: now, page, pageChars: pageCharsOf(page), renders: new Map() };
    }
    const localeKey = locale ?? '';
    let cached = entry.renders.get(localeKey);
    if (!cached) {
      const rendered = render(entry.page, now, locale);
      cached = { rendered, chars: sizeOf(rendered) };
      if (entry.renders.size >= maxLocales) entry.renders.delete(entry.renders.keys().next().value!);
      entry.renders.set(localeKey, cached);
    }
    threads.keep(key, entry);
    return cached.rendered;
  };

  return Object.defineProperty(firstPage, 'size', { get: () => threads.size }) as FirstPageCache<T>;
}
