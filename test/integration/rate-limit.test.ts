import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp | null = null;
afterEach(async () => {
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
});
