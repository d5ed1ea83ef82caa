import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeHostUserSessions } from '../../server/db/sessions.ts';
import { createHarnessApp, harnessHosts } from '../../server/harness/harnessApp.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
let harnessUrl: string;
let server: http.Server;

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app = createHarnessApp({
    widgetUrl: t.url,
    audience: t.config.audience,
    issuer: t.tenant.issuer,
    secret: t.tenant.secret,
    clock: t.clock,
    revokeSessionsOf: (sub) => revokeHostUserSessions(t.db, t.tenant.id, sub, t.clock.now()),
    hosts: harnessHosts((server.address() as AddressInfo).port),
  });
  server.on('request', app.callback());
  harnessUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const harness = (path: string, body: unknown) =>
  fetch(`${harnessUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('the harness backend', () => {
  it('signs launch tokens the widget server accepts, once each', async () => {
    const { jwt } = await (await harness('/launch-token', { sub: 'alice', name: 'Alice Example', ctx: 'page:42' })).json();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ iss: t.tenant.issuer, aud: t.config.audience, sub: 'alice', name: 'Alice Example', ctx: 'page:42' });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(t.config.launchMaxLifetime);
    const first = await t.api('POST', '/api/session', undefined, { jwt });
    expect(first.status).toBe(200);
    expect((await first.json()).user.name).toBe('Alice Example');
    expect((await t.api('POST', '/api/session', undefined, { jwt })).status).toBe(401);
  });

  it('signs the context\'s label and the user\'s language when asked, which the widget server accepts', async () => {
    const { jwt } = await (await harness('/launch-token', { sub: 'alice', ctx: 'page:42', ctxLabel: 'Page 42', locale: 'de-DE' })).json();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ ctx_label: 'Page 42', locale: 'de-DE' });
    const session = await t.api('POST', '/api/session', undefined, { jwt });
    expect(session.status).toBe(200);
    const { jwt: plain } = await (await harness('/launch-token', { sub: 'alice', ctx: 'page:42', locale: '' })).json();
    const plainClaims = JSON.parse(Buffer.from(plain.split('.')[1], 'base64url').toString());
    expect(plainClaims.ctx_label).toBeUndefined();
    expect(plainClaims.locale).toBeUndefined();
  });

  it('requires a sub', async () => {
    expect((await harness('/launch-token', { name: 'nobody' })).status).toBe(400);
  });

  it('"expire session now" revokes the user\'s live widget sessions', async () => {
    const { jwt } = await (await harness('/launch-token', { sub: 'bob' })).json();
    const { token } = await (await t.api('POST', '/api/session', undefined, { jwt })).json();
    expect(await (await harness('/expire-session', { sub: 'bob' })).json()).toEqual({ revoked: 1 });
    expect((await t.api('GET', '/api/me', token)).status).toBe(401);
  });

  it('refuses to sign for a user who signed out on the host, until they sign back in', async () => {
    await harness('/sign-out', { sub: 'carol' });
    expect((await harness('/launch-token', { sub: 'carol' })).status).toBe(403);
    await harness('/sign-in', { sub: 'carol' });
    expect((await harness('/launch-token', { sub: 'carol' })).status).toBe(200);
  });

  it('matches its paths exactly: other spellings are 404 and sign nothing', async () => {
    for (const path of ['/LAUNCH-TOKEN', '/Launch-Token', '/launch-token/', '/%6Caunch-token', '/Expire-Session', '/sign-out/']) {
      const response = await harness(path, { sub: 'alice' });
      expect(`${path} ${response.status}`).toBe(`${path} 404`);
    }
  });

  it('answers only its own host names, so a rebound DNS name cannot reach it', async () => {
    const port = new URL(harnessUrl).port;
    const answer = (host: string, path = '/', body?: unknown) =>
      new Promise<number>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const request = http.request(
          { host: '127.0.0.1', port, path, method: payload ? 'POST' : 'GET', headers: { Host: host, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode!));
          },
        );
        request.on('error', reject);
        request.end(payload);
      });
    expect(await answer(`127.0.0.1:${port}`)).toBe(200);
    expect(await answer(`LOCALHOST:${port}`)).toBe(200);
    expect(await answer(`attacker.example:${port}`)).toBe(421);
    expect(await answer(`attacker.example:${port}`, '/launch-token', { sub: 'alice' })).toBe(421);
    expect(await answer(`127.0.0.1:${Number(port) + 1}`)).toBe(421);
    expect(await answer('127.0.0.1')).toBe(421);
  });

  it('serves a page that embeds the widget through the SDK from the widget origin', async () => {
    const response = await fetch(harnessUrl);
    const html = await response.text();
    expect(html).toContain("await import(widgetUrl + '/sdk/v1/embed.js')");
    expect(response.headers.get('content-security-policy')).toContain(`frame-src ${t.url}`);
  });
});

describe('GET /sdk/embed.js', () => {
  it('is served cross-origin as a module with a short cache', async () => {
    const response = await fetch(`${t.url}/sdk/embed.js`, { headers: { Origin: 'https://host.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await response.text()).toContain('notes-widget');
  });
});
