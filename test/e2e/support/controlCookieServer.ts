import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Proves the browser blocks third-party cookies: /set sets a cookie (opened
 * top-level), /echo reports whether the cookie came back. Framed cross-site,
 * /echo must see none; top-level it must.
 */
export async function startControlCookieServer(): Promise<{ url: string; framingUrl: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const cookie = req.headers.cookie ?? '';
    if (req.url === '/set') {
      res.setHeader('Set-Cookie', ['control=1; Path=/; SameSite=None; Secure', 'control_lax=1; Path=/']);
      res.setHeader('Content-Type', 'text/html');
      res.end('<p>control cookie set</p>');
      return;
    }
    if (req.url === '/frame') {
      // Served on 127.0.0.1: a different site from localhost, like the harness.
      res.setHeader('Content-Type', 'text/html');
      res.end(`<iframe id="control" src="http://localhost:${(server.address() as AddressInfo).port}/echo"></iframe>`);
      return;
    }
    res.setHeader('Content-Type', 'text/html');
    res.end(`<p id="cookie">${cookie.includes('control') ? 'present' : 'absent'}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    framingUrl: `http://127.0.0.1:${port}/frame`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
