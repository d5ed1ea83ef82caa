import type { SessionEnd } from '../contract/hostMessages.ts';
import type { OpenedSessionJson, RefreshedJson } from '../contract/session.ts';
import type { HostLink } from './hostLink.ts';
import { strings } from './strings.ts';

// The only owner of the session token: kept in this closure, never written to
// localStorage, sessionStorage or a cookie, and sent as a Bearer header on
// every call.
//
// Session upkeep (docs/protocol.md section 3): tokens live minutes. While the
// user is active the client swaps its token for a fresh one shortly before it
// expires; an idle widget lets it lapse, so a token left behind on an unattended
// screen soon stops working. A lapsed or refused session is revived once through
// the host (a new launch token, POST /api/session); when that is not possible
// the client reports `expired` and the UI offers a one-click retry.
//
// A relaunch may open a session for someone else (the host switched accounts
// in another tab, issue 19 item 8). A call begun as one person is never
// retried as another: it fails with `session_changed` and the UI keeps what was typed.

export class ApiError extends Error {
  // Assigned, not parameter properties: class fields would pull Babel-style helpers into the bundle.
  declare readonly status: number;
  declare readonly code: string;
  /** The whole error answer, for codes that carry more (409 conflict: the current note). */
  declare readonly data: unknown;
  constructor(status: number, code: string, message: string, data?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;
  }
}

export type SessionInfo = Pick<OpenedSessionJson, 'user' | 'context'>;

export type SessionStatus = 'active' | 'expired';

/** `session` is set when a relaunch opened a new session (the host may have signed in someone else). */
export type SessionListener = (status: SessionStatus, session?: SessionInfo) => void;

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** Call on user input or when the tab becomes visible. */
  markActive(): void;
  /**
   * Opens a streamed GET (live updates) with the current token and Last-Event-ID;
   * null while the token is lapsed or the session over: a stream never wakes the host.
   */
  stream(path: string, lastEventId: string, signal: AbortSignal): Promise<Response | null>;
  /** Tries to revive an expired session through the host; true when it worked. */
  recover(): Promise<boolean>;
  /** Ends the session on the server and forgets the token here, even if the server is unreachable. */
  logout(): Promise<void>;
  subscribe(listener: SessionListener): () => void;
  /** Stops the refresh timers (tests, teardown). */
  stop(): void;
}

/** Time as a dependency, so refresh scheduling runs under fake timers in tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  hostLink?: HostLink | null;
  timers?: Timers;
}

const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** How long before expiry to refresh: a minute for the default 5-minute token, less for short ones. */
export const refreshLead = (lifetime: number) => Math.min(60_000, lifetime / 4);
/** Transient refresh failures (network, 5xx) are retried this often until the token expires. */
export const REFRESH_RETRY_MS = 10_000;

// Both are 401s the UI explains with its session message, not per call.
const sessionExpiredError = () => new ApiError(401, 'session_expired', strings.sessionExpired);
const sessionChangedError = () => new ApiError(401, 'session_changed', strings.sessionChanged);

/** User ids are per tenant (opaque UUIDs), so the same id means the same tenant too. */
export const samePerson = (a: SessionInfo, b: SessionInfo) => a.user.id === b.user.id && a.context === b.context;

/**
 * Token lifetime in ms from its own iat/exp, so a client whose clock is off
 * still refreshes on time; falls back to expiresAt against the local clock.
 */
function lifetimeOf(token: string, expiresAt: string, now: number): number {
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number' && claims.exp > claims.iat) return (claims.exp - claims.iat) * 1000;
  } catch {
    // not a JWT we can read: use expiresAt
  }
  return Math.max(0, Date.parse(expiresAt) - now);
}

/** An error answer's body (docs/protocol.md section 5); null when the body is not JSON. */
type ErrorBody = { error?: { code?: string; message?: string } } | null;
const bodyOf = (response: Response): Promise<ErrorBody> => response.json().catch(() => null);

/** One run of `task` at a time: callers while it runs share its outcome. */
function shared<T>(task: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  return () => (running ??= task().finally(() => (running = null)));
}

export function createApiClient(initial: OpenedSessionJson, options: ApiClientOptions = {}): ApiClient {
  const fetchImpl = options.fetch ?? fetch.bind(globalThis);
  const timers = options.timers ?? browserTimers;
  const hostLink = options.hostLink ?? null;
  const listeners = new Set<SessionListener>();

  let token = '';
  let session: SessionInfo = initial;
  let lifetime = 0;
  let expiresLocal = 0;
  let timer: unknown;
  let lastActivity = -Infinity;
  let status: SessionStatus = 'active';
  /** Past the refresh point and no recent activity: a fresh input still refreshes in time. */
  let waitingForActivity = false;
  let lapsed = false;
  // Why the session ended, for the host (session-expired): the longest token
  // lifetime seen, whether the server cut the current token short (it caps the
  // last tokens at the session's absolute end), and the last 401 code a call got.
  let fullLifetime = 0;
  let capped = false;
  let refusedWith: string | null | undefined = null;

  const emit = (next: SessionStatus, session?: SessionInfo) => {
    status = next;
    for (const listener of listeners) listener(next, session);
  };

  const clearTimer = () => {
    timers.clearTimeout(timer);
    timer = undefined;
  };

  function adopt(next: RefreshedJson) {
    const now = timers.now();
    token = next.token;
    lifetime = lifetimeOf(next.token, next.expiresAt, now);
    expiresLocal = now + lifetime;
    // A second's slack: lifetimes come from whole-second claims.
    capped = lifetime < fullLifetime - 1000;
    fullLifetime = Math.max(fullLifetime, lifetime);
    refusedWith = null;
    lapsed = false;
    waitingForActivity = false;
    clearTimer();
    timer = timers.setTimeout(refreshDue, Math.max(0, lifetime - refreshLead(lifetime)));
  }

  function refreshDue() {
    const now = timers.now();
    if (now - lastActivity <= lifetime) {
      void refresh();
      return;
    }
    waitingForActivity = true;
    timer = timers.setTimeout(lapse, Math.max(0, expiresLocal - now));
  }

  function lapse() {
    waitingForActivity = false;
    lapsed = true;
  }

  async function send(method: string, path: string, body: unknown, bearer: string | null, extra?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await fetchImpl(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
      if (response.status === 401 && bearer) refusedWith = (await bodyOf(response.clone()))?.error?.code;
      return response;
    } catch {
      throw new ApiError(0, 'network_error', strings.unreachable);
    }
  }

  async function parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const data = await bodyOf(response);
    if (!response.ok) {
      throw new ApiError(response.status, data?.error?.code ?? 'http_error', data?.error?.message ?? strings.serverAnswered(response.status), data);
    }
    return data as T;
  }

  async function refreshOnce(): Promise<void> {
    clearTimer();
    try {
      adopt(await parse<RefreshedJson>(await send('POST', '/api/session/refresh', undefined, token)));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await renew();
        return;
      }
      // Network or server trouble: try again while the token still works.
      const left = expiresLocal - timers.now();
      if (left > 0) timer = timers.setTimeout(() => void refresh(), Math.min(REFRESH_RETRY_MS, left));
      else lapse();
    }
  }

  const refresh = shared(refreshOnce);

  function expire(end: SessionEnd) {
    clearTimer();
    lapsed = true;
    if (status === 'expired') return;
    emit('expired');
    hostLink?.reportSessionExpired(end);
  }

  /** Why a session that could not be renewed is over (contract/hostMessages.ts SESSION_END_REASONS). */
  function endedBecause(refused: ApiError | null): SessionEnd {
    if (refused) return { reason: 'launch_refused', serverCode: refused.code, message: refused.message };
    // The current token was capped at the session's absolute end, and refreshing it is due or past.
    if (capped && timers.now() >= expiresLocal - refreshLead(lifetime)) return { reason: 'max_age' };
    return { reason: refusedWith === 'session_revoked' ? 'revoked' : 'host_refused' };
  }

  async function relaunch(): Promise<boolean> {
    let refused: ApiError | null = null;
    try {
      const jwt = hostLink ? await hostLink.requestLaunchToken() : null;
      if (jwt) {
        const opened = await parse<OpenedSessionJson>(await send('POST', '/api/session', { jwt }, null));
        adopt(opened);
        session = { user: opened.user, context: opened.context };
        emit('active', session);
        return true;
      }
    } catch (err) {
      // A refused launch token ends in the same state as having no host; the host hears why.
      refused = err instanceof ApiError && err.status !== 0 ? err : null;
    }
    expire(endedBecause(refused));
    return false;
  }

  /** One relaunch through the host at a time; concurrent callers share its outcome. */
  const renew = shared(relaunch);

  async function request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    if (status === 'expired') throw sessionExpiredError();
    const asked = session;
    // A token known to be dead would only earn a 401: revive first.
    if (lapsed && !(await renew())) throw sessionExpiredError();
    if (!samePerson(session, asked)) throw sessionChangedError();
    const sentWith = token;
    const response = await send(method, path, body, token, headers);
    if (response.status !== 401) return parse<T>(response);
    // One renewal and one retry, never a loop. If another call renewed meanwhile, just retry.
    if (token === sentWith && !(await renew())) throw sessionExpiredError();
    if (!samePerson(session, asked)) throw sessionChangedError();
    const retried = await send(method, path, body, token, headers);
    if (retried.status === 401) {
      expire(endedBecause(null));
      throw sessionExpiredError();
    }
    return parse<T>(retried);
  }

  async function logout(): Promise<void> {
    const last = token;
    token = '';
    expire({ reason: 'signed_out' });
    await send('POST', '/api/session/logout', undefined, last).catch(() => undefined);
  }

  function markActive() {
    lastActivity = timers.now();
    if (status === 'expired') return;
    if (waitingForActivity && timers.now() < expiresLocal) void refresh();
    else if (lapsed) void renew();
  }

  async function stream(path: string, lastEventId: string, signal: AbortSignal): Promise<Response | null> {
    // A token past its expiry would only earn a 401 (and a console error): wait for the renewal instead.
    if (status === 'expired' || lapsed || timers.now() >= expiresLocal) return null;
    return fetchImpl(path, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}`, 'Last-Event-ID': lastEventId }, credentials: 'omit', cache: 'no-store', signal });
  }

  adopt(initial);

  return {
    request,
    stream,
    markActive,
    recover: renew,
    logout,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: clearTimer,
  };
}
