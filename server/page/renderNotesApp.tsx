import { renderToString } from 'preact-render-to-string';
import { ApiError, type ApiClient } from '../../widget/api.ts';
import { Header } from '../../widget/App.tsx';
import { NotesThread } from '../../widget/NotesThread.tsx';
import type { OpenedSession } from '../auth/session/sessionService.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { createFirstPageCache, type FirstPageCacheOptions } from './firstPageCache.ts';
import { threadPagePart, type ThreadPagePart } from './renderWidgetPage.ts';

// Effects and handlers never run in a server render, so the app gets a client
// that cannot be used: nothing here may make a request or hold a token.
const inertApi: ApiClient = {
  request: () => Promise.reject(new ApiError(0, 'server_render', 'Not available during server rendering.')),
  stream: async () => null,
  markActive() {},
  recover: async () => false,
  logout: async () => {},
  subscribe: () => () => {},
  stop() {},
};

/** How the host asked the widget to present itself (bootstrap `locale`, `contextLabel`, `noHostSdk`). */
export interface AppDisplay {
  locale?: string;
  contextLabel?: string;
  noHostSdk?: true;
}

/**
 * Server-rendered content of the widget page for a new session: the app's markup up to its thread
 * (for this launch), and the page's middle part shared by the thread's launches (the rest of the
 * markup and the data it hydrates from: renderWidgetPage.ts).
 */
export interface RenderedApp {
  appOpening: string;
  thread: ThreadPagePart;
}

export type AppRenderer = (opened: OpenedSession, display: AppDisplay) => Promise<RenderedApp>;

// The server renders no viewer into a thread (widget/NotesThread.tsx: edit controls wait for hydration).
const NO_VIEWER = { id: '', name: null };
const signOutInert = () => {};

/**
 * First paint without a second round trip: the launch page carries the thread
 * as markup plus the same data in the bootstrap block, and the widget hydrates it.
 *
 * The markup is what widget/App.tsx renders before hydration, put together
 * from its parts: the header, per launch (it names the viewer), and the
 * thread, shared by every launch of the thread until it changes
 * (firstPageCache.ts). test/integration/launch-first-page.test.ts holds the two equal.
 */
export function notesAppRenderer({ db, clock, cache }: { db: Db; clock: Clock; cache?: Partial<FirstPageCacheOptions> }): AppRenderer {
  const firstPage = createFirstPageCache({
    db,
    clock,
    options: cache,
    render: (page, renderedAt, locale) =>
      threadPagePart(
        renderToString(<NotesThread api={inertApi} user={NO_VIEWER} initial={page} renderedAt={renderedAt} generation={0} readOnly={false} locale={locale} />) + '</main>',
        { notes: page.notes, nextCursor: page.nextCursor, lastEventId: page.lastEventId ?? '0', renderedAt },
      ),
    sizeOf: ({ part }) => part.raw.length + part.deflated.length,
  });
  return async (opened, display) => {
    const thread = await firstPage({ tenantId: opened.claims.tid, ctx: opened.claims.ctx }, display.locale);
    const header = renderToString(<Header user={opened.user} contextLabel={display.contextLabel} onSignOut={signOutInert} hydrated={false} />);
    return { appOpening: `<main class="widget">${header}`, thread };
  };
}
