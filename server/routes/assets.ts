import type { Middleware } from 'koa';
import type { AssetFile, WidgetAssets } from '../assets/widgetAssets.ts';
import { chooseEncoding, encode, isCompressibleType, MIN_COMPRESS_BYTES, type Encoding } from '../http/contentEncoding.ts';
import type { WidgetContext, WidgetState } from '../http/state.ts';

/** The file's bytes in `encoding`, encoded once with the most effort and kept. */
function encodedBody(file: AssetFile, encoding: Encoding): Promise<Buffer> {
  let body = file.encoded.get(encoding);
  if (!body) {
    body = encode(file.body, encoding, 'static');
    file.encoded.set(encoding, body);
  }
  return body;
}

/** Serves the built widget and host SDK from memory, with validators and the best coding the client takes. */
export function assetRoutes(assets: WidgetAssets): Middleware<WidgetState> {
  // Not async itself: every API call passes through here, and an async frame costs a promise each.
  return (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const file = assets.files.get(ctx.path);
    return file ? serveAsset(ctx, file) : next();
  };
}

async function serveAsset(ctx: WidgetContext, file: AssetFile): Promise<void> {
  ctx.set('Cache-Control', file.cacheControl);
  // Host pages import the SDK as a cross-origin module script (with SRI when
  // pinned), which needs CORS. These files are public and hold no data.
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
  const compressible = isCompressibleType(file.type) && file.body.length >= MIN_COMPRESS_BYTES;
  if (compressible) ctx.vary('Accept-Encoding');
  const encoding = compressible ? chooseEncoding(ctx) : null;
  // Each representation has its own strong validator (RFC 9110 section 8.8.3.3).
  ctx.set('ETag', encoding ? `${file.etag.slice(0, -1)}-${encoding}"` : file.etag);
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.type = file.type;
  if (encoding) ctx.set('Content-Encoding', encoding);
  ctx.body = encoding ? await encodedBody(file, encoding) : file.body;
}
