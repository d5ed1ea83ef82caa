import type { ParameterizedContext } from 'koa';
import type { HostApiCaller } from '../auth/launch/hostApiAuth.ts';
import type { LaunchTenant } from '../auth/launch/verifyHostSignature.ts';
import type { AuthenticatedSession } from '../auth/session/sessionService.ts';
import type { ErrorCode } from '../../contract/errors.ts';

/**
 * - public: answers anyone (health, assets).
 * - launch: takes a launch token (unauthenticated and expensive): per-address limit, audit log line.
 * - session: needs a live session token (Authorization: Bearer).
 * - host: the host API, called by a host's backend with a host API token it signed (Authorization: Bearer);
 *   per-address limit as for launches, audit log line.
 */
export type Access = 'public' | 'launch' | 'session' | 'host';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a matched request is, as ctx.state.route. */
export interface RouteInfo {
  method: Method;
  path: string;
  access: Access;
  /** Answers with an HTML page (a browser navigation inside the iframe), errors included. */
  page: boolean;
}

/** Everything middleware and routes put on ctx.state, declared once. */
export interface WidgetState {
  /** Set by requestLog for every request; the client sees it as X-Request-Id. */
  requestId: string;
  /** The declared route this request matched, if any (what it is, for guards and errors). */
  route?: RouteInfo;
  /** Set by requireSession on routes declared with access 'session'. */
  session?: AuthenticatedSession;
  /**
   * On launch routes: the host platform the launch token names by its "iss",
   * set before the token is verified, so a refused launch is still reported
   * to that host's registered origins and logged with its tenant.
   */
  launchTenant?: LaunchTenant;
  /** Set by requireHostToken on routes declared with access 'host'. */
  hostCaller?: HostApiCaller;
  /** The protocol code of the error this request was answered with, for the request log. */
  errorCode?: ErrorCode;
}

/** Koa's context as every middleware here sees it. */
export type WidgetContext = ParameterizedContext<WidgetState>;

/** The context of a declared route: its path parameters come from the router. */
export type RouteContext = WidgetContext & { params: Record<string, string> };

/** The context of a route declared with access 'session': the session is there, typed. */
export type SessionContext = RouteContext & { state: WidgetState & { session: AuthenticatedSession } };

/** The context of a route declared with access 'host': the verified host and its claims are there, typed. */
export type HostContext = RouteContext & { state: WidgetState & { hostCaller: HostApiCaller } };
