import type { Middleware } from 'koa';
import { v4 as uuidv4 } from 'uuid';
import type { Logger } from '../logger.ts';
import type { WidgetState } from './state.ts';

// A token pasted into a path (a misconfigured host) must not reach the log either;
// every JWS starts with the base64url of '{"': eyJ.
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*/g;

export function loggablePath(path: string): string {
  const redacted = path.replace(TOKEN_LIKE, '[token]');
  return redacted.length > 200 ? redacted.slice(0, 200) + '…' : redacted;
}

// One log line per request, with an id the client sees as X-Request-Id. Only
// the path is logged: a query string may carry a launch token (GET /launch?jwt=).
export function requestLog(logger: Logger): Middleware<WidgetState> {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = uuidv4();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      logger.info('request', {
        requestId,
        method: ctx.method,
        path: loggablePath(ctx.path),
        status: ctx.status,
        code: ctx.state.errorCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
