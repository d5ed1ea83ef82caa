import type { Middleware } from 'koa';
import { Stream } from 'node:stream';
import { chooseEncoding, encode, isCompressibleType, MIN_COMPRESS_BYTES } from './contentEncoding.ts';
import type { WidgetState } from './state.ts';

/**
 * Compresses every text answer (the launch page, API JSON, error pages) as the
 * client's Accept-Encoding allows. Bodies already encoded (the static assets)
 * and tiny ones pass as they are.
 */
export function compressBody(): Middleware<WidgetState> {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (body === null || body === undefined || body instanceof Stream || ctx.response.get('Content-Encoding')) return;
    if (!isCompressibleType(ctx.response.type)) return;
    const raw = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    // Koa would serialise it again; the bytes are made now. A Buffer body keeps the Content-Type already set.
    ctx.body = raw;
    if (raw.length < MIN_COMPRESS_BYTES) return;
    // The answer depends on Accept-Encoding from here on, whichever coding this client gets.
    ctx.vary('Accept-Encoding');
    const encoding = ctx.method === 'HEAD' ? null : chooseEncoding(ctx);
    if (!encoding) return;
    ctx.body = await encode(raw, encoding, 'dynamic');
    ctx.set('Content-Encoding', encoding);
  };
}
