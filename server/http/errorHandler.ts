import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Middleware } from 'koa';
import { WidgetError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renderErrorPage } from '../page/renderErrorPage.ts';

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

function wantsHtml(ctx: Context): boolean {
  if (ctx.path.startsWith('/api/')) return false;
  if (ctx.path === '/launch') return true;
  return ctx.accepts('json', 'html') === 'html';
}

// RFC 6750 section 3: error_description may not contain '"' or '\'.
const headerSafe = (text: string) => text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ');

export function sendError(ctx: Context, error: WidgetError): void {
  ctx.status = error.status;
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
  if (error.status === 401 && !ctx.path.startsWith('/launch')) {
    ctx.set('WWW-Authenticate', `Bearer realm="widget", error="invalid_token", error_description="${headerSafe(error.message)}"`);
  }
  if (wantsHtml(ctx)) {
    const { html, csp } = renderErrorPage(error.code, error.message);
    ctx.set('Content-Security-Policy', csp);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  } else {
    ctx.body = { error: { code: error.code, message: error.message } };
  }
}

const isLaunchRequest = (ctx: Context) => ctx.path === '/launch' || (ctx.method === 'POST' && ctx.path === '/api/session');

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new WidgetError('not_found', 'There is nothing at this address.');
      }
    } catch (err) {
      const known = toWidgetError(err);
      // Headers set by handlers before the failure must not leak into the error answer.
      ctx.remove('Content-Security-Policy');
      if (known) {
        ctx.state.errorCode = known.code;
        if (isLaunchRequest(ctx)) {
          // A host developer debugging an integration asks the operator "why?":
          // the reason is ours, never the token (which may sit in the query string).
          logger.warn('launch_rejected', { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, code: known.code, reason: known.message });
        }
        sendError(ctx, known);
        return;
      }
      logger.error('unhandled_error', { requestId: ctx.state.requestId, error: err instanceof Error ? err.stack : String(err) });
      ctx.status = 500;
      ctx.body = { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } };
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
  const requestId = crypto.randomUUID();
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
