import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { WidgetContext } from './state.ts';

// A token pasted into a path or a header (a misconfigured host) must not reach
// the log either; every JWS starts with the base64url of '{"': eyJ.
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*/g;

/** Request text as it may be logged: tokens redacted, at most 200 characters. */
export function loggableText(text: string): string {
  const redacted = text.replace(TOKEN_LIKE, '[token]');
  return redacted.length > 200 ? redacted.slice(0, 200) + '…' : redacted;
}

// Ids that proxies and tracing systems send (nginx $request_id, UUIDs, AWS
// trace ids, base64): a bounded set of characters that cannot break a header
// or a log line. Anything else, or anything that looks like a token, gets a fresh id.
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:;=+/-]{1,128}$/;

/** The request's id: the one a proxy or client sent in X-Request-Id when it is safe to keep, else a new UUID. */
export function requestIdFor(incoming: string): string {
  return INCOMING_REQUEST_ID.test(incoming) && !incoming.includes('eyJ') ? incoming : randomUUID();
}

/** The tenant a request acted for, once known: its session's, or its launch token's issuer (refused or not). */
export const tenantIdOf = (ctx: WidgetContext): string | undefined => ctx.state.session?.tid ?? ctx.state.launchTenant?.id;

/** Gives the request its id (requestIdFor), for the log line and the client (X-Request-Id). Runs before anything else. */
export function tagRequest(ctx: WidgetContext): void {
  const requestId = requestIdFor(ctx.get('X-Request-Id'));
  ctx.state.requestId = requestId;
  // Nothing can have been sent this early: the header goes straight onto the response.
  ctx.res.setHeader('X-Request-Id', requestId);
}

// One log line per request, with the id the client sees as X-Request-Id. Only
// the path is logged: a query string may carry a launch token (GET /launch?jwt=).
export function logRequest(logger: Logger, ctx: WidgetContext, startedMs: number): void {
  logger.info('request', {
    requestId: ctx.state.requestId,
    method: ctx.method,
    path: loggableText(ctx.path),
    status: ctx.status,
    code: ctx.state.errorCode,
    tenantId: tenantIdOf(ctx),
    ms: Math.round((performance.now() - startedMs) * 10) / 10,
  });
}
