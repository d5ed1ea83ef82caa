import Router from '@koa/router';
import type { AuthenticatedSession, SessionService } from '../auth/sessionService.ts';
import { isoSeconds } from '../auth/sessionService.ts';
import { WidgetError } from '../errors.ts';
import { readJsonObject } from '../http/readBody.ts';

export const PUBLIC_API_ROUTES = [['POST', '/api/session']] as const;

export function sessionRoutes({ sessions }: { sessions: SessionService }): Router {
  const router = new Router({ prefix: '/api' });

  // Re-launch without a reload: the host SDK hands over a fresh launch token.
  router.post('/session', async (ctx) => {
    const body = await readJsonObject(ctx);
    if (typeof body.jwt !== 'string' || body.jwt === '') {
      throw new WidgetError('validation_failed', 'The body must be { "jwt": "<launch token>" }.');
    }
    const opened = await sessions.open(body.jwt, { method: ctx.method, path: ctx.path, query: ctx.querystring });
    ctx.body = { token: opened.token, expiresAt: opened.expiresAt, user: opened.user, context: opened.context };
  });

  router.get('/me', async (ctx) => {
    const session = ctx.state.session as AuthenticatedSession;
    ctx.body = { user: { id: session.sub, name: session.userName }, context: session.ctx, expiresAt: isoSeconds(session.exp) };
  });

  router.post('/session/refresh', async (ctx) => {
    ctx.body = sessions.reissue(ctx.state.session as AuthenticatedSession);
  });

  router.post('/session/logout', async (ctx) => {
    await sessions.logout((ctx.state.session as AuthenticatedSession).sid);
    ctx.status = 204;
  });

  return router;
}
