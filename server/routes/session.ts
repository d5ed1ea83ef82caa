import type { MeJson, OpenedSessionJson } from '../../contract/session.ts';
import { isoSeconds, type SessionService } from '../auth/session/sessionService.ts';
import { WidgetError } from '../errors.ts';
import { readJsonObject } from '../http/readBody.ts';
import type { RouteSpec } from '../http/route.ts';
import { openSessionFor } from './launch.ts';

// The session API (docs/protocol.md sections 3 and 4).
export function sessionRoutes({ sessions }: { sessions: SessionService }): RouteSpec[] {
  return [
    {
      // Re-launch without a reload: the host SDK hands over a fresh launch token.
      method: 'POST',
      path: '/api/session',
      access: 'launch',
      async handler(ctx) {
        const body = await readJsonObject(ctx);
        if (typeof body.jwt !== 'string' || body.jwt === '') {
          throw new WidgetError('validation_failed', 'The body must be { "jwt": "<launch token>" }.');
        }
        const opened = await openSessionFor(sessions, ctx, body.jwt, 'api');
        const { token, expiresAt, user, context, locale, contextLabel } = opened;
        ctx.body = { token, expiresAt, user, context, ...(locale ? { locale } : {}), ...(contextLabel ? { contextLabel } : {}) } satisfies OpenedSessionJson;
      },
    },
    {
      method: 'GET',
      path: '/api/me',
      access: 'session',
      handler(ctx) {
        const { session } = ctx.state;
        ctx.body = { user: { id: session.sub, name: session.userName }, context: session.ctx, expiresAt: isoSeconds(session.exp) } satisfies MeJson;
      },
    },
    {
      method: 'POST',
      path: '/api/session/refresh',
      access: 'session',
      handler(ctx) {
        ctx.body = sessions.reissue(ctx.state.session);
      },
    },
    {
      method: 'POST',
      path: '/api/session/logout',
      access: 'session',
      async handler(ctx) {
        await sessions.logout(ctx.state.session.sid);
        ctx.status = 204;
      },
    },
  ];
}
