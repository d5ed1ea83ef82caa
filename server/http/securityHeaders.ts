import type { Context } from 'koa';

// Defaults for every answer; the widget page and assets override what they need.
// Nothing here, or anywhere, sets a cookie: the product must work without them.
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Sets the defaults; runs first, before anything can have been sent, so the headers go straight onto the response. */
export function setSecurityHeaders(ctx: Context): void {
  const res = ctx.res;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', DEFAULT_CSP);
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/** Runs last: whatever a handler or a library did, no answer carries a cookie. */
export function removeCookies(ctx: Context): void {
  ctx.remove('Set-Cookie');
}
