import type { Middleware } from 'koa';
import type { RateLimiter } from './rateLimit.ts';
import type { WidgetState } from './state.ts';

/**
 * The per-address limit on routes declared with access 'launch' (unauthenticated
 * and the most expensive): checked before any token work, so a flood costs a map lookup.
 */
export function limitLaunchAttempts(limiter: RateLimiter): Middleware<WidgetState> {
  return async (ctx, next) => {
    limiter.hit(ctx.ip, 'launch attempts from this address');
    await next();
  };
}
