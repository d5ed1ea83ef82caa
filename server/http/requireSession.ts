import type { Middleware } from 'koa';
import type { SessionService } from '../auth/session/sessionService.ts';
import { WidgetError } from '../errors.ts';
import type { WidgetState } from './state.ts';

// RFC 6750 section 2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The guard of every route declared with access 'session': a live session token, or 401. */
export function requireSession(sessions: SessionService): Middleware<WidgetState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (!header) throw new WidgetError('token_missing', 'Send the session token as "Authorization: Bearer <token>".');
    const match = BEARER.exec(header);
    if (!match) throw new WidgetError('token_missing', 'The Authorization header must be "Bearer <token>".');
    ctx.state.session = await sessions.authenticate(match[1]!);
    return next();
  };
}
