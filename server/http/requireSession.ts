import type { Middleware } from 'koa';
import type { SessionService } from '../auth/session/sessionService.ts';
import { bearerToken } from './bearerToken.ts';
import type { WidgetState } from './state.ts';

/** The guard of every route declared with access 'session': a live session token, or 401. */
export function requireSession(sessions: SessionService): Middleware<WidgetState> {
  return async (ctx, next) => {
    ctx.state.session = await sessions.authenticate(bearerToken(ctx, 'session token'));
    return next();
  };
}
