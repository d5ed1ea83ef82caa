import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import Router from '@koa/router';
import { nowSeconds, type Clock } from '../clock.ts';
import { readJsonObject } from '../http/readBody.ts';
import { escapeHtml, jsonForScriptElement } from '../page/escape.ts';

// A fake host platform for local development: its own origin (a different site
// from the widget), its own tiny backend that signs launch tokens, and a page
// that embeds the widget the way a real host would.

export interface HarnessDeps {
  widgetUrl: string;
  audience: string;
  issuer: string;
  secret: string;
  clock: Clock;
}

export function signHarnessLaunch(deps: HarnessDeps, input: { sub: string; name?: string; ctx?: string; lifetime?: number }): string {
  const iat = nowSeconds(deps.clock);
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    aud: deps.audience,
    sub: input.sub,
    iat,
    exp: iat + (input.lifetime ?? 60),
    jti: crypto.randomUUID(),
    ctx: input.ctx || 'default',
  };
  if (input.name) claims.name = input.name;
  return jwt.sign(claims, crypto.createSecretKey(Buffer.from(deps.secret, 'utf8')), { algorithm: 'HS256' });
}

const str = (value: unknown, fallback: string, max = 255) => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : fallback);

export function createHarnessApp(deps: HarnessDeps): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();

  router.get('/', (ctx) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    ctx.set('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}' ${deps.widgetUrl}; style-src 'nonce-${nonce}'; connect-src 'self'; frame-src ${deps.widgetUrl}; form-action ${deps.widgetUrl}; base-uri 'none'`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = harnessPage(nonce, deps.widgetUrl);
  });

  // The host backend's job in a real integration: sign a short launch token for the signed-in user.
  router.post('/launch-token', async (ctx) => {
    try {
      const body = await readJsonObject(ctx);
      ctx.body = { jwt: signHarnessLaunch(deps, { sub: str(body.sub, 'alice'), name: str(body.name, '', 255), ctx: str(body.ctx, 'default') }) };
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: { code: 'validation_failed', message: err instanceof Error ? err.message : 'bad request' } };
    }
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function harnessPage(nonce: string, widgetUrl: string): string {
  const config = jsonForScriptElement({ widgetUrl });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harness: a fake host platform</title>
<style nonce="${nonce}">
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:grid;grid-template-columns:280px 1fr;min-height:100vh}
aside{background:#f3efe6;padding:16px;border-right:1px solid #ddd}
main{padding:16px}
label{display:block;margin:8px 0 2px;font-weight:600}
input,select{width:100%;box-sizing:border-box;padding:4px}
button{margin-top:12px;padding:6px 12px}
iframe{border:1px solid #ccc;width:100%;max-width:800px;height:400px;background:#fff}
</style></head>
<body><aside><h1>Harness host</h1><p>A fake host platform on its own origin. Widget: <code>${escapeHtml(widgetUrl)}</code></p>
<form id="controls">
<label for="sub">Host user id (sub)</label><input id="sub" value="alice">
<label for="name">Display name</label><input id="name" value="Alice Example">
<label for="ctx">Context</label><input id="ctx" value="page:42">
<button type="submit">Launch widget</button>
</form></aside>
<main><iframe id="widget-frame" name="widget-frame" title="Notes widget" src="about:blank"></iframe></main>
<script type="application/json" id="harness-config">${config}</script>
<script nonce="${nonce}">
const { widgetUrl } = JSON.parse(document.getElementById('harness-config').textContent);
async function launch() {
  const field = (id) => document.getElementById(id).value;
  const body = { sub: field('sub'), name: field('name'), ctx: field('ctx') };
  const res = await fetch('/launch-token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const { jwt } = await res.json();
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = widgetUrl + '/launch';
  form.target = 'widget-frame';
  const input = document.createElement('input');
  input.type = 'hidden'; input.name = 'jwt'; input.value = jwt;
  form.append(input);
  document.body.append(form);
  form.submit();
  form.remove();
}
document.getElementById('controls').addEventListener('submit', (e) => { e.preventDefault(); launch(); });
launch();
</script></body></html>`;
}
