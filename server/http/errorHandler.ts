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
