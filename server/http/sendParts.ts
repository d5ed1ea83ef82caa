import type { Context } from 'koa';
import { MIN_COMPRESS_BYTES } from './contentEncoding.ts';
import { gzipOfParts, storedPart, type DeflatedPart } from '../gzip/gzipParts.ts';

/**
 * Answers with the parts joined. A client that takes gzip gets one gzip member
 * spliced from them (gzipParts.ts): parts already deflated (shared by many
 * answers) as they are, and the Buffers (this answer's own few hundred bytes)
 * stored uncompressed. gzip is chosen over brotli here even for a client that
 * takes both, because brotli streams cannot be spliced: the page would be
 * compressed whole on every answer. Any other client gets the bytes as they
 * are, which compressBody then encodes as usual.
 */
export function sendParts(ctx: Context, parts: readonly (DeflatedPart | Buffer)[]): void {
  const raws = parts.map((p) => (Buffer.isBuffer(p) ? p : p.raw));
  ctx.vary('Accept-Encoding');
  if (raws.reduce((sum, raw) => sum + raw.length, 0) >= MIN_COMPRESS_BYTES && ctx.method !== 'HEAD' && ctx.acceptsEncodings('gzip') === 'gzip') {
    ctx.body = gzipOfParts(parts.map((p) => (Buffer.isBuffer(p) ? storedPart(p) : p)));
    ctx.set('Content-Encoding', 'gzip');
    return;
  }
  ctx.body = Buffer.concat(raws);
}
