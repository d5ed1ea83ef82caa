import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoutes } from '../../server/app.ts';
import { loadWidgetAssets } from '../../server/assets/widgetAssets.ts';
import type { TenantDirectory } from '../../server/auth/launch/tenantDirectory.ts';
import type { LtiService } from '../../server/auth/lti/ltiLaunch.ts';
import type { SessionService } from '../../server/auth/session/sessionService.ts';
import type { LiveUpdates } from '../../server/live/liveUpdates.ts';
import { jsonLogger } from '../../server/logger.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Routes are declared once with what they are (server/http/route.ts), and the
// router matches exactly: a path spelled any other way is 404, never a handler
// without its guards.

describe('the route table', () => {
  // Only the declarations are read: no handler runs, so no service is needed.
  const routes = appRoutes({ db: null as never, clock: { now: () => 0 }, assets: loadWidgetAssets(), sessions: {} as SessionService, live: {} as LiveUpdates, lti: {} as LtiService, tenants: {} as TenantDirectory });

  it('needs a session for every /api route except the one that takes a launch token and the host API', () => {
    const api = routes.filter((r) => r.path.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(5);
    for (const route of api) {
      const expected = route.method === 'POST' && route.path === '/api/session' ? 'launch' : route.path.startsWith('/api/host/') ? 'host' : 'session';
      expect(`${route.method} ${route.path} ${route.access}`).toBe(`${route.method} ${route.path} ${expected}`);
    }
  });

  it('declares every route that takes a launch token as a launch attempt', () => {
    const launches = routes.filter((r) => r.access === 'launch').map((r) => `${r.method} ${r.path}`);
    expect(launches.sort()).toEqual(['GET /launch', 'GET /lti/login', 'POST /api/session', 'POST /launch', 'POST /lti/launch', 'POST /lti/launch/finish', 'POST /lti/login']);
  });

  it('declares only the host API with access host, each under /api/host/', () => {
    const host = routes.filter((r) => r.access === 'host').map((r) => `${r.method} ${r.path}`);
    expect(host).toEqual(['POST /api/host/sessions/revoke']);
  });

  it('declares each method and path once', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('path spellings', () => {
  let t: TestApp;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    t = await startTestApp({
      env: { LAUNCH_RATE_PER_IP: '3' },
      logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    });
  });
  afterAll(() => t.close());

  const status = async (method: string, path: string, token?: string) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
    });
    await response.arrayBuffer();
    return response.status;
  };

  it.each([
    ['GET', '/API/me'],
    ['GET', '/Api/Me'],
    ['GET', '/api/me/'],
    ['GET', '/api/ME'],
    ['POST', '/API/notes'],
    ['POST', '/api/notes/'],
    ['POST', '/API/session/logout'],
    ['POST', '/api/session/refresh/'],
    ['GET', '/API/notes'],
  ])('answers %s %s without a token with 404, never a handler without its guard', async (method, path) => {
    expect(await status(method, path)).toBe(404);
  });

  it('answers the same spellings with 404 even with a valid token: only the declared path reaches the route', async () => {
    const { token } = await t.launch();
    expect(await status('GET', '/API/me', token)).toBe(404);
    expect(await status('GET', '/api/me', token)).toBe(200);
  });

  it('answers other spellings of the launch routes with 404, and they never reach the launch handler', async () => {
    for (const path of ['/LAUNCH', '/Launch', '/launch/', '/API/session', '/api/session/', '/api/Session']) {
      for (let i = 0; i < 4; i++) expect(await status('POST', path)).toBe(404);
    }
    // Twenty-four misspelled attempts spent none of this address's budget of 3.
    expect((await t.api('POST', '/api/session', undefined, { jwt: t.launchToken() })).status).toBe(200);
  });

  // The audit's spellings and their relatives, sent with every method (HEAD included) as
  // raw request targets, so no client library normalises them first.
  const spellingsOf = (path: string) => [
    path.toUpperCase(),
    path.replace(/\/(\w)/, (_, c: string) => `/${c.toUpperCase()}`),
    `${path}/`,
    `/${path}`,
    path.replace(/\/(\w)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    path.replace(/(\w)$/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    path.replace(/\/([^/]*)$/, '/./$1'),
    `${path};x`,
    `${path}%2F`,
  ];
  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];
  const rawStatus = (method: string, target: string) =>
    new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(t.url);
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
      const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(body.length) };
      const request = http.request({ hostname, port, method, path: target, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      request.on('error', reject);
      request.end(body);
    });

  it.each(['/api/me', '/api/notes', '/api/session/logout', '/api/session/refresh', '/api/session', '/launch', '/healthz'])(
    'answers every other spelling of %s with 404, whatever the method',
    async (path) => {
      const answers: string[] = [];
      for (const spelling of spellingsOf(path)) {
        for (const method of METHODS) answers.push(`${method} ${spelling} ${await rawStatus(method, spelling)}`);
      }
      expect(answers.filter((line) => !line.endsWith(' 404'))).toEqual([]);
    },
  );

  it('applies the session guard to HEAD as to GET, and answers undeclared methods with 404', async () => {
    expect(await rawStatus('HEAD', '/api/me')).toBe(401);
    expect(await rawStatus('HEAD', '/api/notes')).toBe(401);
    for (const method of ['PUT', 'TRACE', 'PROPFIND']) expect(`${method} ${await rawStatus(method, '/api/me')}`).toBe(`${method} 404`);
  });

  it('logs launch_rejected for every refused launch on a declared launch route', async () => {
    lines.length = 0;
    await fetch(`${t.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'jwt=garbage' });
    expect(lines.filter((l) => l.event === 'launch_rejected')).toEqual([expect.objectContaining({ code: 'launch_invalid', path: '/launch' })]);
  });
});
