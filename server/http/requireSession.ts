import type { Middleware } from 'koa';
import type { SessionService } from '../auth/sessionService.ts';
import { WidgetError } from '../errors.ts';

// RFC 6750 section 2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Default-deny for the whole API: every /api/* request needs a live session
 * token, except the few routes listed as public (they authenticate otherwise).
 */
export function requireSession(sessions: SessionService, publicRoutes: ReadonlyArray<readonly [string, string]>): Middleware {
  const isPublic = (method: string, path: string) => publicRoutes.some(([m, p]) => m === method && p === path);
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api/') || isPublic(ctx.method, ctx.path)) return next();
    const header = ctx.get('Authorization');
    if (!header) throw new WidgetError('token_missing', 'Send the session token as "Authorization: Bearer <token>".');
    const match = BEARER.exec(header);
    if (!match) throw new WidgetError('token_missing', 'The Authorization header must be "Bearer <token>".');
    ctx.state.session = await sessions.authenticate(match[1]!);
    return next();
  };
}
