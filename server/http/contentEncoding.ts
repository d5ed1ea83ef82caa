import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { WidgetContext } from './state.ts';

// Content codings we answer with (RFC 9110 section 8.4.1): brotli when the
// client takes it (smaller for text), else gzip. Used for every text response
// (compressBody.ts) and for the static assets, which are encoded once.

export type Encoding = 'br' | 'gzip';

/** Bodies below this many bytes are sent as they are: the coding would save less than it costs. */
export const MIN_COMPRESS_BYTES = 1024;

const TEXT_TYPE = /^(?:text\/|application\/(?:json|javascript|typescript)|image\/svg\+xml)/;

export const isCompressibleType = (type: string) => TEXT_TYPE.test(type);

/** br whenever the client accepts it, else gzip, else null (identity). */
export function chooseEncoding(ctx: WidgetContext): Encoding | null {
  if (ctx.acceptsEncodings('br') === 'br') return 'br';
  if (ctx.acceptsEncodings('gzip') === 'gzip') return 'gzip';
  return null;
}

const brotli = promisify(zlib.brotliCompress);

/** The smallest brotli window (10-24 bits) that covers `length` bytes. */
export const windowBitsFor = (length: number): number => Math.min(zlib.constants.BROTLI_MAX_WINDOW_BITS, Math.max(zlib.constants.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(length + 1))));
const gzip = promisify(zlib.gzip);

/**
 * Encodes off the event loop (zlib's thread pool). `effort` 'static' spends
 * the most CPU once for files served many times; 'dynamic' is what a page
 * rendered per request can afford.
 */
export function encode(body: Buffer, encoding: Encoding, effort: 'static' | 'dynamic'): Promise<Buffer> {
  if (encoding === 'gzip') return gzip(body, { level: effort === 'static' ? 9 : 6 });
  return brotli(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: effort === 'static' ? zlib.constants.BROTLI_MAX_QUALITY : 5,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      // A window larger than the body finds nothing more and costs memory per compression
      // in flight (4 MB at the default 22 bits, a few launches at once): it is sized to the body.
      [zlib.constants.BROTLI_PARAM_LGWIN]: windowBitsFor(body.length),
    },
  });
}
