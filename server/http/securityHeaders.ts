import type { Middleware } from 'koa';

// Defaults for every answer; the widget page and assets override what they need.
// Nothing here, or anywhere, sets a cookie: the product must work without them.
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', DEFAULT_CSP);
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    await next();
    ctx.remove('Set-Cookie');
  };
}
