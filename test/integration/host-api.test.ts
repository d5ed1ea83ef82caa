import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_API_TOKEN_TYPE } from '../../server/auth/launch/hostTokenKind.ts';
import { recordingLogger } from '../helpers/recordingLogger.ts';
import { generateKeyPair, signAsymmetric, signHs256 } from '../../support/signJwt.ts';
import { startTestApp, type TestApp, type TestTenant } from '../helpers/testApp.ts';

// POST /api/host/sessions/revoke (docs/protocol.md section 8): a host's backend
// ends one of its users' widget sessions with a token signed by its launch key.

const PATH = '/api/host/sessions/revoke';
let t: TestApp;
const recording = recordingLogger();
const lines = recording.lines;
beforeAll(async () => {
  t = await startTestApp({ logger: recording.logger });
});
afterAll(() => t.close());

const endpoint = () => `${t.config.publicUrl}${PATH}`;

function hostClaims(overrides: Record<string, unknown> = {}, issuer = t.tenant.issuer): Record<string, unknown> {
  const iat = t.clock.nowSec();
  const claims: Record<string, unknown> = { iss: issuer, aud: endpoint(), sub: 'user-1', iat, exp: iat + 30, jti: crypto.randomUUID() };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete claims[k];
    else claims[k] = v;
  }
  return claims;
}

const hostToken = (overrides: Record<string, unknown> = {}, tenant: TestTenant = t.tenant, header: Record<string, unknown> = { typ: HOST_API_TOKEN_TYPE }) =>
  signHs256(hostClaims(overrides, tenant.issuer), tenant.secret, header);

const revoke = (token?: string) => fetch(`${t.url}${PATH}`, { method: 'POST', headers: token ? { Authorization: `Bearer ${token}` } : {} });
const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;
const live = async (token: string) => (await t.api('GET', '/api/me', token)).status === 200;

describe('POST /api/host/sessions/revoke', () => {
  it('ends every live session of that host user, and nobody else\'s', async () => {
    const other = await t.addTenant('host-api-other');
    const first = await t.launch({ sub: 'alice' });
    const second = await t.launch({ sub: 'alice', ctx: 'page:7' });
    const bob = await t.launch({ sub: 'bob' });
    const namesake = await t.launch({ sub: 'alice' }, other);

    const response = await revoke(hostToken({ sub: 'alice' }));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');

    for (const { token } of [first, second]) {
      const me = await t.api('GET', '/api/me', token);
      expect(me.status).toBe(401);
      expect(await codeOf(me)).toBe('session_revoked');
    }
    expect(await live(bob.token)).toBe(true);
    expect(await live(namesake.token)).toBe(true);
    // A new launch for the same user works: revocation ends sessions, it does not ban.
    expect(await live((await t.launch({ sub: 'alice' })).token)).toBe(true);
  });

  it('answers the same for a user it never saw and for one without live sessions', async () => {
    const never = await revoke(hostToken({ sub: 'never-launched' }));
    const again = await revoke(hostToken({ sub: 'alice' }));
    expect([never.status, again.status]).toEqual([204, 204]);
    expect([...never.headers.keys()].sort()).toEqual([...again.headers.keys()].sort());
    expect(await never.text()).toBe(await again.text());
  });

  it('accepts a token signed with the tenant\'s registered public key', async () => {
    const { privateKey, publicPem } = generateKeyPair('ES256');
    const tenant = await t.addTenantWithKey('host-api-es256', { type: 'pem', alg: 'ES256', pem: publicPem, kid: 'k1' });
    const token = signAsymmetric('ES256', hostClaims({ sub: 'carol' }, tenant.issuer), privateKey, { kid: 'k1', typ: HOST_API_TOKEN_TYPE });
    expect((await revoke(token)).status).toBe(204);
  });
});

describe('host API tokens and launch tokens never pass for each other', () => {
  it('refuses a launch token, even one signed for this very URL', async () => {
    for (const token of [t.launchToken({ sub: 'alice' }), t.launchToken({ sub: 'alice', aud: endpoint() })]) {
      const response = await revoke(token);
      expect(response.status).toBe(401);
      expect(await codeOf(response)).toBe('host_token_invalid');
    }
  });

  it('refuses a host API token at /launch and POST /api/session, whatever its audience', async () => {
    for (const aud of [endpoint(), t.config.audience]) {
      const token = hostToken({ aud, ctx: 'page:42' });
      const page = await fetch(`${t.url}/launch`, { method: 'POST', body: new URLSearchParams({ jwt: token }) });
      expect(page.status).toBe(401);
      expect(await page.text()).toContain('launch_invalid');
      const api = await t.api('POST', '/api/session', undefined, { jwt: hostToken({ aud }, t.tenant, { typ: 'Widget-Host-API+JWT' }) });
      expect(await codeOf(api)).toBe('launch_invalid');
    }
  });

  it('refuses a token made for another audience (the launch audience, or another endpoint)', async () => {
    for (const aud of [t.config.audience, `${t.config.publicUrl}/api/host/other`]) {
      const response = await revoke(hostToken({ aud }));
      expect(await codeOf(response)).toBe('host_token_invalid');
    }
  });
});

describe('host API token rules', () => {
  it.each([
    ['no Authorization header', undefined, 'token_missing'],
    ['a bad signature', 'tampered', 'host_token_invalid'],
    ['no sub', { sub: undefined }, 'host_token_invalid'],
    ['no jti', { jti: undefined }, 'host_token_invalid'],
    ['an expired token', { iat: 1000, exp: 1030 }, 'host_token_expired'],
    ['a lifetime over 60 seconds', { exp: 'long' }, 'host_token_expired'],
    ['an unknown issuer', { iss: 'nobody-registered' }, 'unknown_issuer'],
  ] as const)('refuses %s', async (_name, change, code) => {
    let token: string | undefined;
    if (change === 'tampered') token = hostToken().replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    else if (change === undefined) token = undefined;
    else {
      const overrides: Record<string, unknown> = { ...change };
      if (overrides.exp === 'long') overrides.exp = t.clock.nowSec() + 61;
      token = hostToken(overrides);
    }
    const response = await revoke(token);
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe(code);
  });

  it('accepts each token once, and shares the jti namespace with the tenant\'s launch tokens', async () => {
    const token = hostToken();
    expect((await revoke(token)).status).toBe(204);
    const replayed = await revoke(token);
    expect(await codeOf(replayed)).toBe('host_token_replayed');

    const jti = crypto.randomUUID();
    await t.launch({ jti });
    expect(await codeOf(await revoke(hostToken({ jti })))).toBe('host_token_replayed');
  });

  it('logs each refusal with its code and reason, never the token or the host user id', async () => {
    lines.length = 0;
    await revoke(hostToken({ sub: 'secret-host-user', aud: t.config.audience }));
    const rejected = lines.filter((l) => l.event === 'host_call_rejected');
    expect(rejected).toEqual([expect.objectContaining({ code: 'host_token_invalid', path: PATH })]);
    expect(JSON.stringify(lines)).not.toContain('secret-host-user');
    expect(JSON.stringify(lines)).not.toContain('eyJ');
  });
});
