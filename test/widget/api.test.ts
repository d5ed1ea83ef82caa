// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, type ApiClient, type SessionListener } from '../../widget/api.ts';
import type { SessionEnd } from '../../contract/hostMessages.ts';
import type { HostLink } from '../../widget/hostLink.ts';

const TTL = 300;
const START = Date.UTC(2026, 10, 25, 12, 0, 0);

let tokenSeq = 0;
/** A token shaped like ours: the client reads iat/exp from it, never verifies it. */
function token(lifetime = TTL) {
  const iat = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'widget-session+jwt' })}.${b64({ iat, exp: iat + lifetime, n: ++tokenSeq })}.sig`;
}
const issued = (lifetime = TTL) => ({ token: token(lifetime), expiresAt: new Date(Date.now() + lifetime * 1000).toISOString() });

interface Call {
  method: string;
  path: string;
  auth: string | null;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Handler = (call: Call) => Response | Promise<Response>;

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const apiError = (status: number, code: string) => json(status, { error: { code, message: `${code} message` } });

/** A fake server: routes by "METHOD /path", records every call. */
function fakeFetch(routes: Record<string, Handler | Handler[]>) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    const call: Call = {
      method: init.method ?? 'GET',
      path: String(input),
      auth: headers.get('Authorization'),
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    if (!route) throw new Error(`unexpected ${call.method} ${call.path}`);
    const handler = Array.isArray(route) ? (route.shift() ?? route[route.length - 1]) : route;
    if (!handler) throw new Error(`no more answers for ${call.method} ${call.path}`);
    return handler(call);
  }) as typeof fetch;
  return { fetchImpl, calls, count: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key).length };
}

function fakeHost(tokens: Array<string | null>): HostLink & { launches: number; expiredReports: number; ends: SessionEnd[] } {
  const host = {
    launches: 0,
    expiredReports: 0,
    ends: [] as SessionEnd[],
    async requestLaunchToken() {
      host.launches++;
      return tokens.length > 1 ? tokens.shift()! : (tokens[0] ?? null);
    },
    reportSessionExpired(end: SessionEnd) {
      host.expiredReports++;
      host.ends.push(end);
    },
    reportHeight() {},
  };
  return host;
}

const ME = { user: { id: 'u-1', name: 'Ada' }, context: 'page:1' };
const refreshOk: Handler = () => json(200, issued());
/** The host launched the same person again (what a relaunch normally is). */
const relaunchOk: Handler = () => json(200, { ...issued(), user: { id: 'u-1', name: 'Ada L.' }, context: 'page:1' });
/** The host launched someone else, or the same person somewhere else. */
const relaunchAs =
  (user: { id: string; name: string | null }, context = 'page:1'): Handler =>
  () =>
    json(200, { ...issued(), user, context });

let client: ApiClient | null = null;
function start(routes: Record<string, Handler | Handler[]>, hostLink?: HostLink) {
  const server = fakeFetch(routes);
  const initial = { ...issued(), ...ME };
  client = createApiClient(initial, { fetch: server.fetchImpl, hostLink });
  const statuses: string[] = [];
  const listener: SessionListener = (status) => statuses.push(status);
  client.subscribe(listener);
  return { api: client, server, initial, statuses };
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  client?.stop();
  client = null;
  vi.useRealTimers();
});

describe('refresh while the user is active', () => {
  it('refreshes one minute before expiry when there was input within the token lifetime', async () => {
    const { api, server, initial } = start({ 'POST /api/session/refresh': refreshOk, 'GET /api/me': () => json(200, { ok: true }) });
    await vi.advanceTimersByTimeAsync(100_000);
    api.markActive();
    await vi.advanceTimersByTimeAsync(139_999);
    expect(server.count('POST /api/session/refresh')).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.auth).toBe(`Bearer ${initial.token}`);

    await api.request('GET', '/api/me');
    const refreshed = server.calls[0]!;
    expect(server.calls[1]!.auth).not.toBe(refreshed.auth);
    expect(server.calls[1]!.auth).not.toBe(`Bearer ${initial.token}`);
  });

  it('keeps a steadily active user signed in across many token lifetimes', async () => {
    const { api, server, statuses } = start({ 'POST /api/session/refresh': refreshOk });
    for (let minute = 0; minute < 30; minute++) {
      api.markActive();
      await vi.advanceTimersByTimeAsync(60_000);
    }
    // one refresh per 240 s of a 300 s token
    expect(server.count('POST /api/session/refresh')).toBe(7);
    const auths = server.calls.map((c) => c.auth);
    expect(new Set(auths).size).toBe(auths.length);
    expect(statuses).toEqual([]);
  });

  it('refreshes at once when input arrives after the refresh point but before expiry', async () => {
    const { api, server } = start({ 'POST /api/session/refresh': refreshOk });
    await vi.advanceTimersByTimeAsync(270_000);
    expect(server.calls).toHaveLength(0);
    api.markActive();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.count('POST /api/session/refresh')).toBe(1);
  });

  it('sends one refresh for input that keeps arriving while a refresh is on its way', async () => {
    let answer: (response: Response) => void = () => {};
    const { api, server } = start({ 'POST /api/session/refresh': () => new Promise<Response>((resolve) => (answer = resolve)) });
    await vi.advanceTimersByTimeAsync(270_000);
    api.markActive();
    api.markActive();
    await vi.advanceTimersByTimeAsync(0);
    api.markActive();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.count('POST /api/session/refresh')).toBe(1);
    answer(refreshOk({} as Call) as Response);
    await vi.advanceTimersByTimeAsync(0);
    api.markActive();
    await vi.advanceTimersByTimeAsync(0);
    // refreshed: the next one is due a token lifetime later, not now
    expect(server.count('POST /api/session/refresh')).toBe(1);
  });

  it('retries a refresh that failed on the network, until the token expires', async () => {
    let failures = 2;
    const { api, server } = start({
      'POST /api/session/refresh': () => {
        if (failures-- > 0) throw new TypeError('offline');
        return refreshOk({} as Call);
      },
    });
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.count('POST /api/session/refresh')).toBe(3);
    await vi.advanceTimersByTimeAsync(60_000);
    // the third attempt worked: the next refresh is a whole token lifetime away
    expect(server.count('POST /api/session/refresh')).toBe(3);
  });
});

describe('an idle widget', () => {
  it('lets its token lapse without a single request', async () => {
    const { server, statuses } = start({});
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(server.calls).toEqual([]);
    expect(statuses).toEqual([]);
  });

  it('stops refreshing once the last input is older than a token lifetime', async () => {
    const { api, server } = start({ 'POST /api/session/refresh': refreshOk });
    api.markActive();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    // the input at 0 s justified the refresh at 240 s, not the one at 480 s
    expect(server.count('POST /api/session/refresh')).toBe(1);
  });

  it('is revived through the host on its next call, then the call goes through', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server } = start({ 'POST /api/session': relaunchOk, 'GET /api/notes': () => json(200, { notes: [] }) }, host);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await expect(api.request('GET', '/api/notes')).resolves.toEqual({ notes: [] });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/session', 'GET /api/notes']);
    expect(server.calls[0]!.body).toEqual({ jwt: 'launch-jwt' });
    expect(server.calls[0]!.auth).toBeNull();
  });

  it('is revived through the host as soon as the user comes back', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server } = start({ 'POST /api/session': relaunchOk }, host);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    api.markActive();
    await vi.advanceTimersByTimeAsync(0);
    expect(host.launches).toBe(1);
    expect(server.count('POST /api/session')).toBe(1);
  });
});

describe('a 401 on a call', () => {
  it('relaunches once through the host and retries the failed call once', async () => {
    const host = fakeHost(['launch-jwt']);
    const sessions: unknown[] = [];
    const { api, server, initial } = start(
      {
        'GET /api/notes': [() => apiError(401, 'token_expired'), () => json(200, { notes: ['ok'] })],
        'POST /api/session': relaunchOk,
      },
      host,
    );
    api.subscribe((status, session) => sessions.push([status, session]));
    await expect(api.request('GET', '/api/notes')).resolves.toEqual({ notes: ['ok'] });
    expect(host.launches).toBe(1);
    expect(server.calls.map((c) => c.path)).toEqual(['/api/notes', '/api/session', '/api/notes']);
    expect(server.calls[0]!.auth).toBe(`Bearer ${initial.token}`);
    expect(server.calls[2]!.auth).not.toBe(`Bearer ${initial.token}`);
    expect(sessions).toEqual([['active', { user: { id: 'u-1', name: 'Ada L.' }, context: 'page:1' }]]);
  });

  it('does not loop: a second 401 after the relaunch ends in the expired state', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server, statuses } = start({ 'GET /api/notes': () => apiError(401, 'token_expired'), 'POST /api/session': relaunchOk }, host);
    const failure = await api.request('GET', '/api/notes').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe('session_expired');
    expect(server.calls.map((c) => c.path)).toEqual(['/api/notes', '/api/session', '/api/notes']);
    expect(statuses).toEqual(['active', 'expired']);
    expect(host.expiredReports).toBe(1);
  });

  it('shares one relaunch between calls that fail together', async () => {
    const host = fakeHost(['launch-jwt']);
    let firstRound = 3;
    const { api, server } = start(
      {
        'GET /api/notes': () => (firstRound-- > 0 ? apiError(401, 'token_expired') : json(200, { notes: [] })),
        'POST /api/session': relaunchOk,
      },
      host,
    );
    await Promise.all([api.request('GET', '/api/notes'), api.request('GET', '/api/notes'), api.request('GET', '/api/notes')]);
    expect(host.launches).toBe(1);
    expect(server.count('POST /api/session')).toBe(1);
    expect(server.count('GET /api/notes')).toBe(6);
  });

  it('retries a late 401 with the token another call already renewed, without a second relaunch', async () => {
    const host = fakeHost(['launch-jwt', 'unexpected-jwt']);
    let releaseSlow!: () => void;
    const slow = new Promise<Response>((resolve) => (releaseSlow = () => resolve(apiError(401, 'token_expired'))));
    const { api, server } = start(
      {
        'GET /api/fast': [() => apiError(401, 'token_expired'), () => json(200, { fast: true })],
        'GET /api/slow': [() => slow, () => json(200, { slow: true })],
        'POST /api/session': relaunchOk,
      },
      host,
    );
    const slowCall = api.request('GET', '/api/slow');
    await expect(api.request('GET', '/api/fast')).resolves.toEqual({ fast: true });
    releaseSlow();
    await expect(slowCall).resolves.toEqual({ slow: true });
    expect(host.launches).toBe(1);
    expect(server.calls.map((c) => c.path)).toEqual(['/api/slow', '/api/fast', '/api/session', '/api/fast', '/api/slow']);
    expect(server.calls[4]!.auth).toBe(server.calls[3]!.auth);
  });

  it('without a host link: the expired state at once, and later calls fail without touching the network', async () => {
    const { api, server, statuses } = start({ 'GET /api/notes': () => apiError(401, 'session_revoked') });
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(statuses).toEqual(['expired']);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(server.calls).toHaveLength(1);
  });

  it('when the host has no launch token: expired, and recover() tries the host again', async () => {
    const host = fakeHost([null, 'second-jwt']);
    const { api, server, statuses } = start({ 'GET /api/notes': () => apiError(401, 'token_expired'), 'POST /api/session': relaunchOk }, host);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(statuses).toEqual(['expired']);
    expect(host.expiredReports).toBe(1);
    await expect(api.recover()).resolves.toBe(true);
    expect(statuses).toEqual(['expired', 'active']);
    expect(server.calls.at(-1)!.body).toEqual({ jwt: 'second-jwt' });
  });

  it('when the host token is refused: expired, not an error loop', async () => {
    const host = fakeHost(['stale-jwt']);
    const { api, server, statuses } = start({ 'GET /api/notes': () => apiError(401, 'token_expired'), 'POST /api/session': () => apiError(401, 'launch_replayed') }, host);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(statuses).toEqual(['expired']);
    expect(server.calls.map((c) => c.path)).toEqual(['/api/notes', '/api/session']);
  });

  it('passes other errors through untouched', async () => {
    const { api, server } = start({ 'PATCH /api/notes/1': () => apiError(403, 'forbidden') });
    await expect(api.request('PATCH', '/api/notes/1', { body: 'x' })).rejects.toMatchObject({ status: 403, code: 'forbidden', message: 'forbidden message' });
    expect(server.calls).toHaveLength(1);
  });
});

describe('a relaunch that signs in someone else (issue 19 item 8)', () => {
  it('does not retry a write as another user: the call fails with session_changed and nothing is re-sent', async () => {
    const host = fakeHost(['launch-jwt-for-bob']);
    const sessions: unknown[] = [];
    const bob = { id: 'u-bob', name: 'Bob Builder' };
    const { api, server } = start({ 'POST /api/notes': () => apiError(401, 'session_revoked'), 'POST /api/session': relaunchAs(bob) }, host);
    api.subscribe((status, session) => sessions.push([status, session]));
    await expect(api.request('POST', '/api/notes', { body: 'typed by Ada' })).rejects.toMatchObject({ status: 401, code: 'session_changed' });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/notes', 'POST /api/session']);
    // The new session is live and announced, so the UI can say who is signed in now.
    expect(sessions).toEqual([['active', { user: bob, context: 'page:1' }]]);
  });

  it('does not retry as the same user in another context either', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server } = start({ 'PATCH /api/notes/n-1': () => apiError(401, 'token_expired'), 'POST /api/session': relaunchAs(ME.user, 'page:2') }, host);
    await expect(api.request('PATCH', '/api/notes/n-1', { body: 'edit' })).rejects.toMatchObject({ code: 'session_changed' });
    expect(server.count('PATCH /api/notes/n-1')).toBe(1);
  });

  it('does not send a write begun before an idle widget was revived as someone else', async () => {
    const host = fakeHost(['launch-jwt-for-bob']);
    const { api, server } = start({ 'POST /api/session': relaunchAs({ id: 'u-bob', name: 'Bob Builder' }) }, host);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await expect(api.request('DELETE', '/api/notes/n-1')).rejects.toMatchObject({ code: 'session_changed' });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/session']);
  });

  it('sends calls begun after the switch as the new user', async () => {
    const host = fakeHost(['launch-jwt-for-bob']);
    const { api, server } = start(
      {
        'POST /api/notes': [() => apiError(401, 'session_revoked'), () => json(201, { note: 'as bob' })],
        'POST /api/session': relaunchAs({ id: 'u-bob', name: 'Bob Builder' }),
      },
      host,
    );
    await expect(api.request('POST', '/api/notes', { body: 'typed by Ada' })).rejects.toMatchObject({ code: 'session_changed' });
    await expect(api.request('POST', '/api/notes', { body: 'typed by Bob' })).resolves.toEqual({ note: 'as bob' });
    expect(server.calls.at(-1)!.body).toEqual({ body: 'typed by Bob' });
  });
});

describe('a refused refresh', () => {
  it('relaunches through the host when the session was revoked', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server, statuses } = start({ 'POST /api/session/refresh': () => apiError(401, 'session_revoked'), 'POST /api/session': relaunchOk }, host);
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    expect(server.calls.map((c) => c.path)).toEqual(['/api/session/refresh', '/api/session']);
    expect(statuses).toEqual(['active']);
  });

  it('ends in the expired state without a host', async () => {
    const { api, statuses } = start({ 'POST /api/session/refresh': () => apiError(401, 'session_revoked') });
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    expect(statuses).toEqual(['expired']);
  });
});

describe('why the session ended, as the host hears it', () => {
  it('signed_out when the user signs out in the widget', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api } = start({ 'POST /api/session/logout': () => new Response(null, { status: 204 }) }, host);
    await api.logout();
    expect(host.ends).toEqual([{ reason: 'signed_out' }]);
  });

  it('revoked when the server revoked the session and the host has no new launch token', async () => {
    const host = fakeHost([null]);
    const { api } = start({ 'GET /api/notes': () => apiError(401, 'session_revoked') }, host);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(host.ends).toEqual([{ reason: 'revoked' }]);
  });

  it('host_refused when the token lapsed and the host has no new launch token', async () => {
    const host = fakeHost([null]);
    const { api } = start({ 'GET /api/notes': () => apiError(401, 'token_expired') }, host);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(host.ends).toEqual([{ reason: 'host_refused' }]);
  });

  it('launch_refused, with the server\'s code and message, when the server refuses the host\'s new token', async () => {
    const host = fakeHost(['stale-jwt']);
    const { api } = start({ 'GET /api/notes': () => apiError(401, 'session_revoked'), 'POST /api/session': () => apiError(401, 'launch_replayed') }, host);
    await expect(api.request('GET', '/api/notes')).rejects.toMatchObject({ code: 'session_expired' });
    expect(host.ends).toEqual([{ reason: 'launch_refused', serverCode: 'launch_replayed', message: 'launch_replayed message' }]);
  });

  it('max_age when the server capped the last token at the session\'s absolute end', async () => {
    const host = fakeHost([null]);
    const { api } = start({ 'POST /api/session/refresh': [() => json(200, issued(100)), () => apiError(401, 'session_revoked')] }, host);
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000); // the first refresh: a token cut to the session's last 100 s
    api.markActive();
    await vi.advanceTimersByTimeAsync(75_000); // its refresh is refused: the session is over
    expect(host.ends).toEqual([{ reason: 'max_age' }]);
  });

  it('not max_age for a revocation while tokens are still full length', async () => {
    const host = fakeHost([null]);
    const { api } = start({ 'POST /api/session/refresh': [() => json(200, issued()), () => apiError(401, 'session_revoked')] }, host);
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    expect(host.ends).toEqual([{ reason: 'revoked' }]);
  });
});

describe('logout', () => {
  it('revokes on the server with the current token, forgets it, and does not relaunch by itself', async () => {
    const host = fakeHost(['launch-jwt']);
    const { api, server, initial, statuses } = start({ 'POST /api/session/logout': () => new Response(null, { status: 204 }) }, host);
    await api.logout();
    expect(server.calls).toEqual([expect.objectContaining({ method: 'POST', path: '/api/session/logout', auth: `Bearer ${initial.token}` })]);
    expect(statuses).toEqual(['expired']);
    await expect(api.request('GET', '/api/notes')).rejects.toThrow();
    expect(server.calls).toHaveLength(1);
    expect(host.launches).toBe(0);
  });

  it('signs out locally even when the server cannot be reached', async () => {
    const { api, statuses } = start({ 'POST /api/session/logout': () => Promise.reject(new TypeError('network down')) });
    await api.logout();
    expect(statuses).toEqual(['expired']);
  });
});

describe('the token stays in memory', () => {
  it('never touches localStorage, sessionStorage or cookies, and sends credentials: omit', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const getItem = vi.spyOn(Storage.prototype, 'getItem');
    const host = fakeHost(['launch-jwt']);
    const { api, server } = start(
      {
        'POST /api/session/refresh': refreshOk,
        'POST /api/session': relaunchOk,
        'GET /api/notes': [() => apiError(401, 'token_expired'), () => json(200, { notes: [] })],
      },
      host,
    );
    api.markActive();
    await vi.advanceTimersByTimeAsync(240_000);
    await api.request('GET', '/api/notes');
    expect(server.calls).toHaveLength(4);
    expect(setItem).not.toHaveBeenCalled();
    expect(getItem).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    expect(server.calls.every((c) => c.credentials === 'omit')).toBe(true);
  });
});
