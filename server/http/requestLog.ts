import crypto from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';

// One log line per request, with an id the client sees as X-Request-Id. Only
// the path is logged: a query string may carry a launch token (GET /launch?jwt=).
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      logger.info('request', {
        requestId,
        method: ctx.method,
        path: ctx.path.length > 200 ? ctx.path.slice(0, 200) + '…' : ctx.path,
        status: ctx.status,
        code: ctx.state.errorCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
