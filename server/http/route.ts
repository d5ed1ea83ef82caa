import Router, { type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import { WidgetError } from '../errors.ts';
import type { HostContext, Method, RouteContext, RouteInfo, SessionContext, WidgetState } from './state.ts';

// Every route is declared once, with what it is. The guards, the error
// handler and the request log read that declaration; nothing compares path
// strings to guess it, so no spelling of a path can reach a handler without
// its guards (a case-insensitive router once let /API/me in without a session).

type Handler<C> = (ctx: C) => Promise<void> | void;

export type RouteSpec =
  | { method: Method; path: string; access: 'session'; handler: Handler<SessionContext> }
  | { method: Method; path: string; access: 'host'; handler: Handler<HostContext> }
  | { method: Method; path: string; access: 'public' | 'launch'; page?: boolean; handler: Handler<RouteContext> };

/** The middleware each access kind runs before the handler, in order. */
export interface Guards {
  launch: Middleware<WidgetState>[];
  session: Middleware<WidgetState>[];
  host: Middleware<WidgetState>[];
}

/**
 * One strict, case-sensitive router for the declared routes: /API/me and
 * /launch/ are not /api/me and /launch, so they are 404, never a handler.
 */
export function routerFor(routes: RouteSpec[], guards: Partial<Guards>): Router<WidgetState> {
  const router = new Router<WidgetState>({ strict: true, sensitive: true });
  for (const spec of routes) {
    const info: RouteInfo = { method: spec.method, path: spec.path, access: spec.access, page: 'page' in spec && spec.page === true };
    const mark: Middleware<WidgetState> = (ctx, next) => {
      ctx.state.route = info;
      return next();
    };
    const guard = spec.access === 'public' ? [] : guards[spec.access];
    if (!guard) throw new Error(`${spec.method} ${spec.path} is declared with access '${spec.access}' but this router has no guard for it`);
    const chain = [mark, ...guard];
    const handler: RouterMiddleware<WidgetState> =
      spec.access === 'session' ? (ctx) => spec.handler(withSession(ctx)) : spec.access === 'host' ? (ctx) => spec.handler(withHostCaller(ctx)) : (ctx) => spec.handler(ctx);
    router.register(spec.path, [spec.method], [...chain, handler]);
  }
  return router;
}

/** The session guard ran before every session handler; this makes that a checked fact, not a cast. */
function withSession(ctx: RouteContext): SessionContext {
  if (!ctx.state.session) throw new Error(`${ctx.method} ${ctx.path} is declared with access 'session' but its guard did not run`);
  return ctx as SessionContext;
}

/** Likewise for the host API guard. */
function withHostCaller(ctx: RouteContext): HostContext {
  if (!ctx.state.hostCaller) throw new Error(`${ctx.method} ${ctx.path} is declared with access 'host' but its guard did not run`);
  return ctx as HostContext;
}

/**
 * Left alone, the router answers an unknown method with 501 (a server error
 * for a client's mistake) and a wrong one with a plain-text 405.
 */
export const methodRefusals = {
  throw: true,
  notImplemented: () => new WidgetError('not_found', 'There is nothing at this address for this method.'),
  methodNotAllowed: () => new WidgetError('not_found', 'There is nothing at this address for this method.'),
};
