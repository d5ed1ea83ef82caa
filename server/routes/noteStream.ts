import { PassThrough } from 'node:stream';
import type { StreamReset } from '../../contract/liveEvents.ts';
import type { SessionService } from '../auth/session/sessionService.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/connect.ts';
import { currentNoteSeq, hasNoteEvent } from '../db/noteEvents.ts';
import { WidgetError } from '../errors.ts';
import { bearerToken } from '../http/bearerToken.ts';
import type { RouteSpec } from '../http/route.ts';
import type { SessionContext } from '../http/state.ts';
import type { LiveUpdates } from '../live/liveUpdates.ts';
import { startNoteStream } from '../live/noteStream.ts';
import { scopeOf } from './notes.ts';

// GET /api/notes/stream (docs/protocol.md section 4, "Live updates"): the
// thread's changes as Server-Sent Events. The widget reads it with fetch, so
// the session token rides in the Authorization header like every API call,
// never in the URL (EventSource could not send it).

/** Last-Event-ID: a seq of this thread, as an earlier event's `id:` or a page's `lastEventId` gave it. */
function lastEventIdOf(ctx: SessionContext): number | undefined {
  const raw = ctx.get('Last-Event-ID').trim();
  if (!raw) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new WidgetError('validation_failed', 'Last-Event-ID must be the id of an event of this stream (a whole number).');
  return Number(raw);
}

export function noteStreamRoutes({ db, clock, sessions, live }: { db: Db; clock: Clock; sessions: SessionService; live: LiveUpdates }): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/api/notes/stream',
      access: 'session',
      async handler(ctx) {
        const session = ctx.state.session;
        const token = bearerToken(ctx, 'session token');
        const asked = lastEventIdOf(ctx);
        const scope = scopeOf(ctx);
        const release = live.limits.acquire(session.sid);
        const out = new PassThrough();
        let forget = () => {};
        // Registered first: a client that goes away while the stream starts still frees its slot.
        out.once('close', () => {
          forget();
          release();
        });
        try {
          const current = await currentNoteSeq(db, scope);
          // Start over from a page when the id is not ours (beyond this thread's sequence: another
          // context's) or the changes after it are no longer kept (purged after their retention).
          const startOver = asked !== undefined && (asked > current || (asked < current && !(await hasNoteEvent(db, scope, asked + 1))));
          const from = asked === undefined || startOver ? current : asked;
          ctx.req.socket.setTimeout(0);
          ctx.req.socket.setNoDelay(true);
          ctx.status = 200;
          ctx.type = 'text/event-stream; charset=utf-8';
          // nginx and similar proxies buffer answers unless told not to: events must not wait there.
          ctx.set('X-Accel-Buffering', 'no');
          ctx.body = out;
          if (startOver) out.write(`event: reset\ndata: ${JSON.stringify({ lastEventId: String(current) } satisfies StreamReset)}\n\n`);
          const end = await startNoteStream(out, {
            db,
            feed: live.feed,
            clock,
            scope,
            from,
            tokenExp: session.exp,
            check: async () => void (await sessions.authenticate(token)),
            recheckMs: live.recheckMs,
          });
          if (!out.closed) forget = live.track(end);
        } catch (err) {
          out.destroy();
          release();
          throw err;
        }
      },
    },
  ];
}
