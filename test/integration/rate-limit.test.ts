import { afterEach, describe, expect, it } from 'vitest';
import { startForwardingProxy, type ForwardingProxy } from '../helpers/forwardingProxy.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp | null = null;
let proxies: ForwardingProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
  await t?.close();
  t = null;
});

const postLaunch = (app: TestApp, jwt: string) =>
  fetch(`${app.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ jwt }) });

describe('launch rate limits', () => {
  it('answers 429 rate_limited with Retry-After past the per-address limit, on /launch and POST /api/session alike', async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_IP: '4' } });
    for (let i = 0; i < 2; i++) expect((await postLaunch(t, t.launchToken())).status).toBe(200);
    expect((await postLaunch(t, 'garbage')).status).toBe(401); // failed attempts count too
    expect((await t.api('POST', '/api/session', undefined, { jwt: t.launchToken() })).status).toBe(200);
    const limited = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken() });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = await postLaunch(t, t.launchToken());
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('rate_limited');
    t.clock.advance(61);
    expect((await postLaunch(t, t.launchToken())).status).toBe(200);
  });

  it('does not limit ordinary API calls', async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_IP: '1' } });
    const { token } = await t.launch();
    for (let i = 0; i < 5; i++) expect((await t.api('GET', '/api/me', token)).status).toBe(200);
  });

  it('limits verified launches per tenant without touching other tenants', async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_TENANT: '2' } });
    const other = await t.addTenant('quiet-host');
    expect((await postLaunch(t, t.launchToken())).status).toBe(200);
    expect((await postLaunch(t, t.launchToken({ aud: 'wrong' }))).status).toBe(401); // unverified: not counted
    expect((await postLaunch(t, t.launchToken())).status).toBe(200);
    expect((await postLaunch(t, t.launchToken())).status).toBe(429);
    expect((await postLaunch(t, t.launchToken({}, other))).status).toBe(200);
  });

  it('never charges a replayed launch to the tenant: replaying one used token does not lock its other users out', async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_TENANT: '3' } });
    const used = t.launchToken();
    expect((await postLaunch(t, used)).status).toBe(200);
    const replays = [];
    for (let i = 0; i < 60; i++) {
      const response = i % 2 === 0 ? await postLaunch(t, used) : await t.api('POST', '/api/session', undefined, { jwt: used });
      replays.push(`${response.status} ${/launch_replayed/.test(await response.text()) ? 'launch_replayed' : 'other'}`);
    }
    expect(new Set(replays)).toEqual(new Set(['401 launch_replayed']));
    expect((await postLaunch(t, t.launchToken({ sub: 'user-2' }))).status).toBe(200);
    expect((await postLaunch(t, t.launchToken({ sub: 'user-3' }))).status).toBe(200);
    // Three real launches spent the budget of three: the limit itself still holds.
    expect((await postLaunch(t, t.launchToken({ sub: 'user-4' }))).status).toBe(429);
  });

  it('leaves a launch token that the tenant budget refused unspent, so it works once the window turns', async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_TENANT: '1' } });
    expect((await postLaunch(t, t.launchToken())).status).toBe(200);
    const refused = t.launchToken({ sub: 'user-2' });
    expect((await postLaunch(t, refused)).status).toBe(429);
    t.clock.advance(61); // past exp (60 s) but within CLOCK_SKEW
    expect((await postLaunch(t, refused)).status).toBe(200);
  });
});

describe('the client address behind proxies (TRUST_PROXY_HOPS)', () => {
  const PRODUCTION = { NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example', LAUNCH_RATE_PER_IP: '3' };
  const launchVia = (app: TestApp, proxyUrl: string, forwardedFor?: string) =>
    fetch(`${proxyUrl}/launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}) },
      body: new URLSearchParams({ jwt: app.launchToken() }),
    }).then((r) => r.status);

  it('keys the per-address limit on the address the proxy added, so a forged X-Forwarded-For resets nothing', async () => {
    t = await startTestApp({ env: PRODUCTION });
    const proxy = await startForwardingProxy(t.url, '192.0.2.10');
    const other = await startForwardingProxy(t.url, '192.0.2.11');
    proxies.push(proxy, other);
    const statuses = [];
    for (const forged of [undefined, '198.51.100.23', '198.51.100.24, 127.0.0.1', '198.51.100.25']) statuses.push(await launchVia(t, proxy.url, forged));
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another client behind the same kind of proxy has its own budget.
    expect(await launchVia(t, other.url, '192.0.2.10')).toBe(200);
  });

  it('counts from the right past every trusted hop (a CDN in front of a load balancer: 2)', async () => {
    t = await startTestApp({ env: { ...PRODUCTION, TRUST_PROXY_HOPS: '2' } });
    const balancer = await startForwardingProxy(t.url, '10.0.0.5'); // sees the CDN's address
    proxies.push(balancer);
    // Through the CDN: "<what the client wrote>, <client as the CDN saw it>"; the balancer adds the CDN's address.
    const statuses = [];
    for (const forged of ['203.0.113.1', '198.51.100.23', '198.51.100.24, 127.0.0.1', '']) statuses.push(await launchVia(t, balancer.url, `${forged ? `${forged}, ` : ''}192.0.2.20`));
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await launchVia(t, balancer.url, '192.0.2.10, 192.0.2.21')).toBe(200);
  });

  it('ignores X-Forwarded-For with no trusted proxy: the socket address counts', async () => {
    t = await startTestApp({ env: { ...PRODUCTION, TRUST_PROXY_HOPS: '0' } });
    const statuses = [];
    for (const forged of ['198.51.100.23', '198.51.100.24', '198.51.100.25', '198.51.100.26']) statuses.push(await launchVia(t, t.url, forged));
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
