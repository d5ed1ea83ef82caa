import type { Middleware } from 'koa';
import type { RateLimiter } from './rateLimit.ts';

const isLaunchAttempt = (method: string, path: string) => path === '/launch' || (method === 'POST' && path === '/api/session');

/** Per client address limit on the endpoints that take launch tokens (the expensive, unauthenticated ones). */
export function limitLaunchAttempts(limiter: RateLimiter): Middleware {
  return async (ctx, next) => {
    if (isLaunchAttempt(ctx.method, ctx.path)) limiter.hit(ctx.ip, 'launch attempts from this address');
    await next();
  };
}
