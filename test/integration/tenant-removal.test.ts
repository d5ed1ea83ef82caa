import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTenant } from '../../server/admin/tenants.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Each node serves tenants from memory for up to CACHE_TTL: a tenant an operator
// removes meanwhile must be refused like any unknown issuer, never with a 500.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CACHE_TTL: '30' } });
});
afterAll(() => t.close());

const launch = async (jwt: string) => {
  const response = await t.api('POST', '/api/session', undefined, { jwt });
  return `${response.status} ${((await response.json()) as { error?: { code: string } }).error?.code ?? 'ok'}`;
};

describe('a tenant removed while nodes still cache it', () => {
  it('answers 401 unknown_issuer at once, and its sessions stop working', async () => {
    const gone = await t.addTenant('soon-gone');
    const opened = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({}, gone) });
    const { token } = (await opened.json()) as { token: string };
    await removeTenant(t.db, 'soon-gone');
    // Within CACHE_TTL: this node still knows the tenant and its key.
    expect(await launch(t.launchToken({ sub: 'user-2' }, gone))).toBe('401 unknown_issuer');
    expect(await launch(t.launchToken({ sub: 'user-3' }, gone))).toBe('401 unknown_issuer');
    expect((await t.api('GET', '/api/me', token)).status).toBe(401);
    // Other tenants are untouched.
    expect(await launch(t.launchToken())).toBe('200 ok');
  });
});
