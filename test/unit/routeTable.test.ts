import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WidgetError } from '../../server/errors.ts';
import { methodRefusals, routerFor, type RouteSpec } from '../../server/http/route.ts';
import type { WidgetState } from '../../server/http/state.ts';

// server/http/route.ts answers literal paths from a table of chains composed
// once, in front of the router. The table must run exactly what the router
// would: the same guards, the route the router picks first, HEAD for GET, and
// nothing for another spelling or method.

const ran: string[] = [];

const routes: RouteSpec[] = [
  // Declared first, and it matches /items/new too: the router runs it for that path.
  { method: 'GET', path: '/items/:id', access: 'public', handler: (ctx) => void (ctx.body = { route: 'item', id: ctx.params.id }) },
  { method: 'GET', path: '/items/new', access: 'public', handler: (ctx) => void (ctx.body = { route: 'new item' }) },
  { method: 'GET', path: '/open', access: 'public', handler: (ctx) => void (ctx.body = { route: 'open', params: ctx.params }) },
  {
    method: 'GET',
    path: '/guarded',
    access: 'session',
    handler: (ctx) => {
      ran.push('guarded handler');
      ctx.body = { route: 'guarded', who: ctx.state.session.sub };
    },
  },
  { method: 'POST', path: '/guarded', access: 'session', handler: (ctx) => void (ctx.body = { route: 'guarded post' }) },
];

const sessionGuard: Middleware<WidgetState> = (ctx, next) => {
  ran.push('guard');
  if (ctx.get('Authorization') !== 'let me in') throw new WidgetError('token_missing', 'no');
  ctx.state.session = { sub: 'someone' } as WidgetState['session'];
  return next();
};

let server: http.Server;
let url: string;
beforeAll(async () => {
  const app = new Koa<WidgetState>();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err instanceof WidgetError ? err.status : 500;
      ctx.body = { error: err instanceof WidgetError ? err.code : String(err) };
    }
  });
  const table = routerFor(routes, { session: [sessionGuard] });
  app.use(table.routes());
  app.use(table.allowedMethods(methodRefusals));
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function call(method: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(url + path, { method, headers });
  const text = await response.text();
  // An unmatched path falls through to Koa's own plain-text 404 here (the app's errorHandler answers it in JSON).
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text || null };
}

describe('the route table in front of the router', () => {
  it('runs the route the router picks first, even where a literal route is declared after a pattern that matches it', async () => {
    expect(await call('GET', '/items/new')).toEqual({ status: 200, body: { route: 'item', id: 'new' } });
    expect(await call('GET', '/items/42')).toEqual({ status: 200, body: { route: 'item', id: '42' } });
  });

  it('gives a literal route empty params, as the router does', async () => {
    expect(await call('GET', '/open')).toEqual({ status: 200, body: { route: 'open', params: {} } });
  });

  it('runs the guard before the handler on a literal path, for GET and for HEAD', async () => {
    ran.length = 0;
    expect((await call('GET', '/guarded')).body).toEqual({ error: 'token_missing' });
    expect((await call('HEAD', '/guarded')).status).toBe(401);
    expect(ran).toEqual(['guard', 'guard']);
    ran.length = 0;
    expect(await call('GET', '/guarded', { Authorization: 'let me in' })).toEqual({ status: 200, body: { route: 'guarded', who: 'someone' } });
    expect(ran).toEqual(['guard', 'guarded handler']);
  });

  it('sends any other spelling or method to the router: 404, never a handler', async () => {
    ran.length = 0;
    for (const path of ['/Guarded', '/guarded/', '/guarded//', '/open/']) {
      expect((await call('GET', path, { Authorization: 'let me in' })).status).toBe(404);
    }
    expect((await call('DELETE', '/guarded', { Authorization: 'let me in' })).body).toEqual({ error: 'not_found' });
    expect(ran).toEqual([]);
  });

  it('keeps the query string out of the match', async () => {
    expect(await call('GET', '/open?x=1')).toEqual({ status: 200, body: { route: 'open', params: {} } });
  });
});
