import type { Middleware } from 'koa';
import type { AuthenticateHostCall } from '../auth/launch/hostApiAuth.ts';
import { bearerToken } from './bearerToken.ts';
import type { WidgetState } from './state.ts';

/**
 * The guard of every route declared with access 'host': a host API token
 * whose audience is this route's own public URL, so a token signed for one
 * endpoint (or a launch token) is refused by every other.
 */
export function requireHostToken(authenticate: AuthenticateHostCall, publicUrl: string): Middleware<WidgetState> {
  return async (ctx, next) => {
    const route = ctx.state.route;
    if (!route) throw new Error(`${ctx.method} ${ctx.path} reached the host API guard without a route declaration`);
    ctx.state.hostCaller = await authenticate(bearerToken(ctx, 'host API token'), `${publicUrl}${route.path}`);
    return next();
  };
}
