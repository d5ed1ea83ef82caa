import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import { compressBody } from './compressBody.ts';
import { answerFailure, refuseIfUnanswered } from './errorHandler.ts';
import { logRequest, tagRequest } from './requestLog.ts';
import { reportRequest, type RequestObserver } from './requestMetrics.ts';
import { removeCookies, setSecurityHeaders } from './securityHeaders.ts';
import type { WidgetState } from './state.ts';

/**
 * What every answer of the widget server goes through, in order: its id, the
 * security headers, the routes, errors turned into protocol answers,
 * compression, no cookies, then metrics and the log line. Each step is its own
 * module; they run in one frame here because, as five stacked middlewares,
 * their promises and dispatches were a tenth of GET /api/me's CPU
 * (docs/benchmark.md).
 */
export function requestEnvelope({ logger, metrics }: { logger: Logger; metrics: RequestObserver }): Middleware<WidgetState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      tagRequest(ctx);
      setSecurityHeaders(ctx);
      try {
        await next();
        refuseIfUnanswered(ctx);
      } catch (err) {
        answerFailure(ctx, err, logger);
      }
      const compressing = compressBody(ctx);
      if (compressing) await compressing;
      removeCookies(ctx);
    } finally {
      reportRequest(metrics, ctx, started);
      logRequest(logger, ctx, started);
    }
  };
}
