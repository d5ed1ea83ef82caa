import { renderToString } from 'preact-render-to-string';
import { ApiError, type ApiClient } from '../../widget/api.ts';
import { App } from '../../widget/App.tsx';
import type { WidgetBootstrap } from '../../contract/bootstrap.ts';
import type { OpenedSession } from '../auth/session/sessionService.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { readNotesPage } from '../notes/notesPage.ts';

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

/** Server-rendered content of the widget page for a new session: the app's markup and the data it hydrates from. */
/** How the host asked the widget to present itself (bootstrap `locale`, `contextLabel`, `noHostSdk`). */
export interface AppDisplay {
  locale?: string;
  contextLabel?: string;
  noHostSdk?: true;
}

export type AppRenderer = (opened: OpenedSession, display: AppDisplay) => Promise<{ html: string; data: Pick<WidgetBootstrap, 'notes' | 'nextCursor' | 'lastEventId' | 'renderedAt'> }>;

/**
 * First paint without a second round trip: the launch page carries the thread
 * as markup plus the same data in the bootstrap block, and the widget hydrates it.
 */
export function notesAppRenderer({ db, clock }: { db: Db; clock: Clock }): AppRenderer {
  return async (opened, display) => {
    const page = await readNotesPage(db, { tenantId: opened.claims.tid, ctx: opened.claims.ctx });
    const renderedAt = clock.now();
    const html = renderToString(<App api={inertApi} session={{ user: opened.user, context: opened.context }} initial={page} renderedAt={renderedAt} locale={display.locale} contextLabel={display.contextLabel} noHostSdk={display.noHostSdk} />);
    return { html, data: { notes: page.notes, nextCursor: page.nextCursor, lastEventId: page.lastEventId ?? '0', renderedAt } };
  };
}
