import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Middleware } from 'koa';
import { v4 as uuidv4 } from 'uuid';
import type { ErrorCode } from '../../contract/errors.ts';
import { WidgetError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renderErrorPage } from '../page/renderErrorPage.ts';
import { loggableText } from './requestLog.ts';
import type { WidgetContext, WidgetState } from './state.ts';

// The one place where a failure becomes an HTTP answer: JSON for the API,
// an HTML page for browser navigations (the launch answers inside the iframe).

const fromHttpStatus: Record<number, ErrorCode> = {
  400: 'validation_failed',
  404: 'not_found',
  405: 'not_found',
  413: 'payload_too_large',
  414: 'validation_failed',
  431: 'validation_failed',
};

export function toWidgetError(err: unknown): WidgetError | null {
  if (err instanceof WidgetError) return err;
  const status = (err as { status?: unknown; expose?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = fromHttpStatus[status] ?? 'validation_failed';
    return new WidgetError(code, status === 413 ? 'The request body is too large.' : 'The request is malformed.');
  }
  return null;
}

/** A page route answers its errors as a page too; undeclared paths follow what the client accepts. */
function wantsHtml(ctx: WidgetContext): boolean {
  const route = ctx.state.route;
  if (route) return route.page;
  if (ctx.path.startsWith('/api/')) return false;
  return ctx.accepts('json', 'html') === 'html';
}

// RFC 6750 section 3: error_description may not contain '"' or '\'.
const headerSafe = (text: string) => text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ');

export function sendError(ctx: WidgetContext, error: WidgetError): void {
  ctx.status = error.status;
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
  const asPage = wantsHtml(ctx);
  // A 401 from the API is a bearer-token challenge; a launch page has no bearer to ask for.
  if (error.status === 401 && !asPage) {
    ctx.set('WWW-Authenticate', `Bearer realm="widget", error="invalid_token", error_description="${headerSafe(error.message)}"`);
  }
  if (asPage) {
    const report = ctx.state.route?.access === 'launch' ? { requestId: ctx.state.requestId, hostOrigins: ctx.state.launchTenant?.origins ?? null } : null;
    const { html, csp } = renderErrorPage(error.code, error.message, report);
    ctx.set('Content-Security-Policy', csp);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  } else {
    ctx.body = { error: { code: error.code, message: error.message }, ...error.extra };
  }
}

/** A request that nothing answered is 404 not_found, in the same shape as every other error. */
export function refuseIfUnanswered(ctx: WidgetContext): void {
  if (ctx.status === 404 && ctx.body === undefined) {
    throw new WidgetError('not_found', 'There is nothing at this address.');
  }
}

/** What was thrown while answering, as the answer: a protocol error as JSON or a page; anything else is logged and a 500. */
export function answerFailure(ctx: WidgetContext, err: unknown, logger: Logger): void {
  const known = toWidgetError(err);
  // Headers set by handlers before the failure must not leak into the error answer.
  ctx.remove('Content-Security-Policy');
  if (known) {
    ctx.state.errorCode = known.code;
    const access = ctx.state.route?.access;
    if (access === 'launch' || access === 'host') {
      // A host developer debugging an integration asks the operator "why?":
      // the reason is ours, never the token (which may sit in the query string).
      // The page's Origin tells a wrong host page from a wrong host backend.
      const tenant = ctx.state.launchTenant;
      const origin = ctx.get('Origin');
      logger.audit(access === 'launch' ? 'launch_rejected' : 'host_call_rejected', {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        code: known.code,
        reason: known.message,
        ...(tenant ? { tenantId: tenant.id, issuer: tenant.issuer } : {}),
        ...(origin ? { origin: loggableText(origin) } : {}),
      });
    }
    sendError(ctx, known);
    return;
  }
  logger.error('unhandled_error', { requestId: ctx.state.requestId, error: err instanceof Error ? err.stack : String(err) });
  ctx.status = 500;
  ctx.body = { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } };
}

/** The two above as a middleware, for an app without the request envelope (metrics/metricsApp.ts). */
export function errorHandler(logger: Logger): Middleware<WidgetState> {
  return async (ctx, next) => {
    try {
      await next();
      refuseIfUnanswered(ctx);
    } catch (err) {
      answerFailure(ctx, err, logger);
    }
  };
}

/** Why Node's parser refused a request, as the status Node itself would send and our words. */
function describeClientError(code: string | undefined): { status: number; error: WidgetError } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: new WidgetError('validation_failed', 'The request line and headers are too large.') };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: new WidgetError('validation_failed', 'The request did not arrive completely in time.') };
    case 'CONNECT_REFUSED':
      return { status: 404, error: new WidgetError('not_found', 'There is nothing at this address for CONNECT.') };
    default:
      return { status: 400, error: new WidgetError('validation_failed', 'The request is not valid HTTP/1.1.') };
  }
}

/**
 * The answer to a request that never reached Koa (server 'clientError' and
 * 'connect'). The raw bytes Node hands over (err.rawPacket) may hold tokens:
 * only Node's error code is logged.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  // Same rule as Node's default handler: answer only if no response has started on this socket.
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const requestId = uuidv4();
  const { status, error } = describeClientError(err.code);
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  logger.info('request', { requestId, status, code: error.code, rejectedBy: 'http_parser', reason: err.code ?? 'unknown' });
  socket.end(
    [
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'X-Content-Type-Options: nosniff',
      'Cache-Control: no-store',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  // end() flushes the answer first; destroy() in Node's default handler would race it.
  socket.once('finish', () => socket.destroy());
}
