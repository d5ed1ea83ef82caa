import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminCli } from '../../helpers/adminCli.ts';
import { signHs256 } from '../../../support/signJwt.ts';
import type { Stack } from './stack.ts';

// Host pages as host developers write them, each served on its own origin
// (127.0.0.1, another site than the widget on localhost): the page's own CSP,
// how it loads the SDK (with or without SRI), the readyTimeout, and whether
// its backend signs a good or an expired launch token are chosen per URL.
// Every SDK event lands in window.__events.

export interface HostPageOptions {
  /** The page's Content-Security-Policy header, if any. */
  csp?: string;
  /** A Subresource Integrity value for the SDK script. */
  integrity?: string;
  readyTimeout?: number;
  token?: 'valid' | 'expired';
}

export interface HostSite {
  origin: string;
  pageUrl(options?: HostPageOptions): string;
  close(): Promise<void>;
}

function page(widgetUrl: string, options: HostPageOptions): string {
  const sri = options.integrity ? ` integrity="${options.integrity}" crossorigin="anonymous"` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host page</title></head><body>
<div id="widget"></div>
<script type="module" src="${widgetUrl}/sdk/v1/embed.js"${sri}></script>
<script type="module">
window.__events = [];
if (!window.NotesWidget) {
  window.__events.push({ event: 'sdk-missing' });
} else {
  const widget = window.NotesWidget.mount(document.getElementById('widget'), {
    readyTimeout: ${Number(options.readyTimeout ?? 15000)},
    getLaunchToken: async () => (await fetch('/token?kind=${options.token ?? 'valid'}')).text(),
  });
  for (const name of ['ready', 'error', 'session-expired']) widget.on(name, (detail) => window.__events.push({ event: name, ...detail }));
}
</script></body></html>`;
}

/** Starts one host site whose backend signs for `issuer` with `secret`. */
async function startHostSite(stack: Stack, issuer: string, secret: () => string): Promise<HostSite> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname === '/token') {
      const iat = Math.floor(Date.now() / 1000) - (url.searchParams.get('kind') === 'expired' ? 600 : 0);
      const claims = { iss: issuer, aud: stack.audience, sub: 'host-user-1', name: 'Hosted User', ctx: 'page:1', iat, exp: iat + 60, jti: crypto.randomUUID() };
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(signHs256(claims, secret()));
      return;
    }
    if (url.pathname === '/page') {
      const options = JSON.parse(url.searchParams.get('o') ?? '{}') as HostPageOptions;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...(options.csp ? { 'Content-Security-Policy': options.csp } : {}) });
      res.end(page(stack.widgetUrl, options));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pageUrl: (options = {}) => `${origin}/page?o=${encodeURIComponent(JSON.stringify(options))}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Two host sites signing for one tenant registered (with `npm run tenant -- add`)
 * for the first site's origin only: the second is a host page the operator never registered.
 */
export async function startHostSites(stack: Stack): Promise<{ registered: HostSite; unregistered: HostSite; close(): Promise<void> }> {
  const issuer = `e2e-host-${crypto.randomUUID().slice(0, 8)}`;
  let secret = '';
  const registered = await startHostSite(stack, issuer, () => secret);
  const unregistered = await startHostSite(stack, issuer, () => secret);
  const added = await adminCli({ ...process.env, NODE_ENV: 'development', DATABASE_URL: stack.databaseUrl }, 'tenant', 'add', '--issuer', issuer, '--origin', registered.origin, '--json');
  secret = (JSON.parse(added.stdout) as { secret: string }).secret;
  return { registered, unregistered, close: async () => void (await Promise.all([registered.close(), unregistered.close()])) };
}
