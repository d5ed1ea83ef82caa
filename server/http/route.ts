import Router, { type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
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

/** What createApp mounts: the declared routes, then the answers for a path with no route for its method. */
export interface RouteTable {
  routes(): Middleware<WidgetState>;
  allowedMethods(options: Parameters<Router<WidgetState>['allowedMethods']>[0]): Middleware<WidgetState>;
}

// A literal path: no parameter, wildcard or group syntax of the router's patterns.
const LITERAL_PATH = /^[A-Za-z0-9/._~-]+$/;

/**
 * One strict, case-sensitive router for the declared routes: /API/me and
 * /launch/ are not /api/me and /launch, so they are 404, never a handler.
 *
 * The router tests every route's pattern on every request and composes the
 * matched chain anew each time (about 3 % of GET /api/me's CPU in a profile,
 * besides what it allocates: docs/benchmark.md). A request for a literal path
 * is looked up by its exact method and path instead, in a table of chains
 * composed once: the same chain the router would run, and only where the
 * router itself picks that route first for that method and path. Anything else (a parameter, another
 * spelling, a method the path does not take) goes to the router as before.
 */
export function routerFor(routes: RouteSpec[], guards: Partial<Guards>): RouteTable {
  const router = new Router<WidgetState>({ strict: true, sensitive: true });
  // The table sets the route itself, so its chains start at the guards.
  const exact = new Map<string, { info: RouteInfo; chain: Middleware<WidgetState> }>();
  const registered: Array<{ spec: RouteSpec; info: RouteInfo; layer: unknown; guarded: Middleware<WidgetState>[] }> = [];
  for (const spec of routes) {
    const info: RouteInfo = { method: spec.method, path: spec.path, access: spec.access, page: 'page' in spec && spec.page === true };
    const mark: Middleware<WidgetState> = (ctx, next) => {
      ctx.state.route = info;
      return next();
    };
    const guard = spec.access === 'public' ? [] : guards[spec.access];
    if (!guard) throw new Error(`${spec.method} ${spec.path} is declared with access '${spec.access}' but this router has no guard for it`);
    const handler: RouterMiddleware<WidgetState> =
      spec.access === 'session' ? (ctx) => spec.handler(withSession(ctx)) : spec.access === 'host' ? (ctx) => spec.handler(withHostCaller(ctx)) : (ctx) => spec.handler(ctx);
    const guarded = [...guard, handler] as Middleware<WidgetState>[];
    registered.push({ spec, info, layer: router.register(spec.path, [spec.method], [mark, ...guarded] as RouterMiddleware<WidgetState>[]), guarded });
  }
  for (const { spec, info, layer, guarded } of registered) {
    if (!LITERAL_PATH.test(spec.path)) continue;
    // The router answers HEAD with a GET route; so does the table.
    for (const method of spec.method === 'GET' ? ['GET', 'HEAD'] : [spec.method]) {
      if (router.match(spec.path, method).pathAndMethod[0] !== layer) continue;
      exact.set(`${method} ${spec.path}`, { info, chain: compose(guarded) });
    }
  }
  const viaRouter = router.routes() as Middleware<WidgetState>;
  return {
    routes: () => (ctx, next) => {
      const route = exact.get(`${ctx.method} ${ctx.path}`);
      if (!route) return viaRouter(ctx, next);
      ctx.state.route = route.info;
      (ctx as RouteContext).params = {};
      return route.chain(ctx, next);
    },
    allowedMethods: (options) => router.allowedMethods(options) as Middleware<WidgetState>,
  };
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
