import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminInputError } from '../../server/admin/adminInput.ts';
import { registerTenant, replaceTenantOrigins } from '../../server/admin/tenants.ts';
import { recordingLogger } from '../helpers/recordingLogger.ts';
import { HOST_ORIGIN, startTestApp, type TestApp } from '../helpers/testApp.ts';

// In production the widget is framed only by https host pages: an http page can
// be rewritten on the way, and could then frame the widget as the host.

const recording = recordingLogger();
const logLines = recording.lines;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example' },
    logger: recording.logger,
  });
});
afterAll(() => t.close());

/** As a database from development, or from before this rule, may hold it. */
const tenantWithOrigins = async (issuer: string, origins: string[]) => {
  const registered = await registerTenant(t.db, t.secrets, { issuer, origins, now: t.clock.now(), key: { type: 'secret' }, production: false });
  return { id: registered.id, issuer, secret: registered.secret! };
};
const launch = (tenant: { id: string; issuer: string; secret: string }, origin?: string) =>
  fetch(`${t.url}/launch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(origin ? { Origin: origin, 'Sec-Fetch-Dest': 'iframe', 'Sec-Fetch-Site': 'cross-site' } : {}) },
    body: new URLSearchParams({ jwt: t.launchToken({}, tenant) }),
  });

describe('host origins in production', () => {
  it('are refused at registration and in set-origins when they are http', async () => {
    await expect(registerTenant(t.db, t.secrets, { issuer: 'plain-host', origins: ['http://plain.example'], now: 0, key: { type: 'secret' }, production: true })).rejects.toThrow(
      /must use https in production/,
    );
    await expect(replaceTenantOrigins(t.db, { issuer: t.tenant.issuer, origins: [HOST_ORIGIN, 'http://plain.example'], production: true })).rejects.toThrow(AdminInputError);
  });

  it('leaves a stored http origin out of frame-ancestors, the page and the launch check, and says so in the log', async () => {
    const mixed = await tenantWithOrigins('mixed-host', ['http://mixed.example', 'https://mixed.example']);
    const page = await launch(mixed, 'https://mixed.example');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/frame-ancestors https:\/\/mixed\.example(;|$)/);
    expect(csp).not.toContain('http://mixed.example');
    expect(await page.text()).not.toContain('http://mixed.example');
    expect((await launch(mixed, 'http://mixed.example')).status).toBe(401);
    expect(logLines).toContainEqual(expect.objectContaining({ event: 'tenant_origin_refused', tenantId: mixed.id, origin: 'http://mixed.example' }));
  });

  it('refuses every launch of a tenant left with no https origin, with the reason for the operator', async () => {
    const plain = await tenantWithOrigins('plain-only-host', ['http://plain.example']);
    const refused = await launch(plain);
    expect(refused.status).toBe(401);
    // The page inside the iframe says one plain sentence and the code; the reason is the operator's.
    expect(await refused.text()).toContain('<code id="error-code">launch_invalid</code>');
    expect(logLines).toContainEqual(
      expect.objectContaining({ event: 'launch_rejected', tenantId: plain.id, code: 'launch_invalid', reason: expect.stringContaining('no page origin the widget may be framed by') }),
    );
  });
});
