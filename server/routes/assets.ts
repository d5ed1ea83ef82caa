import type { Middleware } from 'koa';
import type { WidgetAssets } from '../assets/widgetAssets.ts';

/** Serves the built widget and host SDK from memory. */
export function assetRoutes(assets: WidgetAssets): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const file = assets.files.get(ctx.path);
    if (!file) return next();
    ctx.type = file.type;
    // The SDK keeps one URL across releases, so hosts revalidate it often.
    ctx.set('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    // Host pages import /sdk/embed.js (and the chunks it imports) as cross-origin
    // module scripts, which need CORS. These files are public and hold no data.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.body = file.body;
  };
}
