import { Stream } from 'node:stream';
import { chooseEncoding, encode, isCompressibleType, MIN_COMPRESS_BYTES } from './contentEncoding.ts';
import type { WidgetContext } from './state.ts';

/**
 * Compresses every text answer (the launch page, API JSON, error pages) as the
 * client's Accept-Encoding allows. Bodies already encoded (the static assets)
 * and tiny ones pass as they are.
 */
export function compressBody(ctx: WidgetContext): Promise<void> | undefined {
  const body: unknown = ctx.body;
  if (body === null || body === undefined || body instanceof Stream || ctx.response.get('Content-Encoding')) return;
  if (!isCompressibleType(ctx.response.type)) return;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? null : JSON.stringify(body);
  // Too small to compress: a string body (Koa would serialise an object again) lets
  // Node send headers and body in one write, with no Buffer made. The Content-Type set stays.
  if (text !== null && Buffer.byteLength(text) < MIN_COMPRESS_BYTES) {
    ctx.body = text;
    return;
  }
  const raw = text === null ? (body as Buffer) : Buffer.from(text);
  ctx.body = raw;
  if (raw.length < MIN_COMPRESS_BYTES) return;
  // The answer depends on Accept-Encoding from here on, whichever coding this client gets.
  ctx.vary('Accept-Encoding');
  const encoding = ctx.method === 'HEAD' ? null : chooseEncoding(ctx);
  if (!encoding) return;
  return encode(raw, encoding, 'dynamic').then((encoded) => {
    ctx.body = encoded;
    ctx.set('Content-Encoding', encoding);
  });
}
