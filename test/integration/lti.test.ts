import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLtiPlatform } from '../../server/admin/ltiPlatforms.ts';
import { LTI_CLAIM } from '../../server/auth/lti/ltiClaims.ts';
import { LTI_STATE_TTL_SEC } from '../../server/auth/lti/ltiLogin.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwksServer.ts';
import { recordingLogger } from '../helpers/recordingLogger.ts';
import { generateKeyPair, rawToken, signAsymmetric, signHs256 } from '../../support/signJwt.ts';
import { bootstrapOf } from '../helpers/launchPage.ts';
import { makeTestLms, type TestLms } from '../helpers/testLms.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// LTI 1.3 launches (docs/lti.md): the OIDC login, the id_token's form post,
// and every refusal of the LTI Security Framework with its own code.

let t: TestApp;
let jwks: JwksServer;
const lms = makeTestLms('https://lms.example');
const other = makeTestLms('https://other-lms.example', 'client-9', 'deployment-9');
const LMS_ORIGIN = 'https://lms.example';
let target: string;
const log = recordingLogger();

beforeAll(async () => {
  jwks = await startJwksServer();
  t = await startTestApp({ logger: log.logger, jwks: { fetch: { timeoutMs: 1000, maxBytes: 64 * 1024, fetch: (...args) => globalThis.fetch(...args) } } });
  target = `${t.config.publicUrl}/lti/launch`;
  jwks.behave({ kind: 'json', body: { keys: [...lms.jwks().keys, ...other.jwks().keys] } });
  for (const p of [lms, other]) {
    await registerLtiPlatform(t.db, {
      issuer: p.issuer,
      clientId: p.clientId,
      authUrl: `${p.issuer}/auth`,
      // Both platforms' keys in one document: a platform's id_token must still name its own issuer.
      jwksUrl: `${jwks.url}/${new URL(p.issuer).hostname}/jwks.json`,
      deploymentIds: [p.deploymentId],
      origins: [new URL(p.issuer).origin],
      now: t.clock.now(),
    });
  }
});
afterAll(async () => {
  await t.close();
  await jwks.close();
});

const loginParams = (overrides: Record<string, string | undefined> = {}) => {
  const params: Record<string, string> = { iss: lms.issuer, client_id: lms.clientId, login_hint: 'hint-1', target_link_uri: target, lti_message_hint: 'msg-1', lti_deployment_id: lms.deploymentId };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete params[k];
    else params[k] = v;
  }
  return params;
};

const codeOf = (html: string) => /<code id="error-code">([^<]*)<\/code>/.exec(html)?.[1] ?? null;

async function login(overrides: Record<string, string | undefined> = {}, method: 'GET' | 'POST' = 'GET') {
  const params = new URLSearchParams(loginParams(overrides));
  const response =
    method === 'GET'
      ? await fetch(`${t.url}/lti/login?${params}`, { redirect: 'manual' })
      : await fetch(`${t.url}/lti/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: params });
  const html = await response.text();
  const location = response.headers.get('Location');
  const query = location ? new URL(location).searchParams : null;
  return { response, html, location, code: codeOf(html), state: query?.get('state') ?? '', nonce: query?.get('nonce') ?? '', query };
}

async function postLaunch(fields: Record<string, string>, headers: Record<string, string> = {}, path = '/lti/launch') {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });
  const html = await response.text();
  return { response, html, code: codeOf(html), bootstrap: bootstrapOf(html) };
}

/** A login, then the platform's answer for it: an id_token with `overrides`. */
async function launchWith(overrides: Record<string, unknown> = {}, options: { platform?: TestLms; header?: Record<string, unknown>; headers?: Record<string, string>; token?: (nonce: string) => string } = {}) {
  const started = await login();
  const platform = options.platform ?? lms;
  const idToken = options.token
    ? options.token(started.nonce)
    : platform.sign(platform.claims({ nonce: started.nonce, nowSec: t.clock.nowSec(), audience: platform.clientId, targetLinkUri: target }, overrides), options.header);
  return { ...(await postLaunch({ id_token: idToken, state: started.state }, options.headers ?? { Origin: LMS_ORIGIN })), idToken, state: started.state, nonce: started.nonce };
}

describe('login initiation', () => {
  it('sends the browser to the registered authorization endpoint with an OIDC request (GET and POST)', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const started = await login({}, method);
      expect(started.response.status).toBe(302);
      expect(started.location!.startsWith(`${lms.issuer}/auth?`)).toBe(true);
      expect(Object.fromEntries(started.query!)).toMatchObject({
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: lms.clientId,
        redirect_uri: target,
        login_hint: 'hint-1',
        lti_message_hint: 'msg-1',
      });
      expect(started.state).toMatch(/^[\w-]{43}$/);
      expect(started.nonce).toMatch(/^[\w-]{43}$/);
      expect(started.state).not.toBe(started.nonce);
    }
  });

  it('finds the registration by issuer alone when the login has no client_id', async () => {
    expect((await login({ client_id: undefined })).response.status).toBe(302);
  });

  it.each([
    ['an unknown issuer', { iss: 'https://unknown-lms.example' }, 'lti_unknown_platform'],
    ['an unknown client_id', { client_id: 'client-x' }, 'lti_unknown_platform'],
    ['a target_link_uri elsewhere', { target_link_uri: 'https://evil.example/phish' }, 'lti_target_invalid'],
    ['a target_link_uri on our origin but another path', { target_link_uri: `${'http://localhost:3000'}/launch` }, 'lti_target_invalid'],
    ['an unregistered deployment', { lti_deployment_id: 'deployment-x' }, 'lti_deployment_unknown'],
    ['no login_hint', { login_hint: undefined }, 'lti_login_invalid'],
    ['no iss', { iss: undefined }, 'lti_login_invalid'],
  ])('refuses %s with its code and redirects nowhere', async (_name, overrides, code) => {
    const started = await login(overrides);
    expect(started.response.status).toBeGreaterThanOrEqual(400);
    expect(started.response.status).toBeLessThan(500);
    expect(started.code).toBe(code);
    expect(started.location).toBeNull();
  });

  it('never redirects to a URL from the request (open redirect attempts)', async () => {
    const started = await login({ redirect_uri: 'https://evil.example/steal', target_link_uri: target, iss: lms.issuer });
    expect(new URL(started.location!).origin).toBe(LMS_ORIGIN);
    expect(started.query!.get('redirect_uri')).toBe(target);
    // A registered issuer cannot be made to send the browser to another platform's endpoint.
    const mixed = await login({ iss: lms.issuer, client_id: other.clientId });
    expect(mixed.code).toBe('lti_unknown_platform');
    expect(mixed.location).toBeNull();
  });

  it('publishes an empty tool key set (the tool signs nothing to platforms yet)', async () => {
    const response = await fetch(`${t.url}/lti/jwks.json`);
    expect([response.status, await response.json()]).toEqual([200, { keys: [] }]);
  });

  it('refuses a parameter sent twice', async () => {
    const response = await fetch(`${t.url}/lti/login?${new URLSearchParams(loginParams())}&iss=https%3A%2F%2Fother-lms.example`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(codeOf(await response.text())).toBe('lti_login_invalid');
  });
});

describe('a launch without platform storage (server-side state)', () => {
  it('opens the same widget: session token, name, the resource link as the thread, its title and locale, no host SDK', async () => {
    const launched = await launchWith();
    expect(launched.response.status).toBe(200);
    const b = launched.bootstrap!;
    expect(b).toMatchObject({ user: { name: 'Grace Hopper' }, context: 'lti:course-101/link-42', contextLabel: 'Week 3: Compilers', locale: 'fr-CA', noHostSdk: true, hostOrigins: [LMS_ORIGIN] });
    expect(launched.response.headers.get('Content-Security-Policy')).toContain(`frame-ancestors ${LMS_ORIGIN}`);
    expect(launched.response.headers.get('Set-Cookie')).toBeNull();
    // Bearer calls, refresh and logout work as for any session.
    const me = await t.api('GET', '/api/me', b.token);
    expect(await me.json()).toMatchObject({ user: { id: b.user.id, name: 'Grace Hopper' }, context: 'lti:course-101/link-42' });
    const refreshed = await t.api('POST', '/api/session/refresh', b.token);
    expect(refreshed.status).toBe(200);
    expect((await t.api('POST', '/api/notes', b.token, { body: 'from the LMS' })).status).toBe(201);
  });

  it('maps (issuer, deployment, sub) to one opaque UUID, and the name from given_name and family_name', async () => {
    const first = await launchWith();
    const again = await launchWith({ name: undefined, given_name: 'Ada', family_name: 'Lovelace' });
    expect(again.bootstrap!.user.id).toBe(first.bootstrap!.user.id);
    expect(again.bootstrap!.user.name).toBe('Ada Lovelace');
    expect(first.bootstrap!.user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.html).not.toContain('lms-user-7');
    const otherUser = await launchWith({ sub: 'lms-user-8' });
    expect(otherUser.bootstrap!.user.id).not.toBe(first.bootstrap!.user.id);
  });

  it('accepts several audiences when azp names this tool', async () => {
    expect((await launchWith({ aud: ['someone-else', lms.clientId], azp: lms.clientId })).response.status).toBe(200);
  });

  it('refuses the same state and id_token a second time (state replay)', async () => {
    const first = await launchWith();
    expect(first.response.status).toBe(200);
    const replay = await postLaunch({ id_token: first.idToken, state: first.state }, { Origin: LMS_ORIGIN });
    expect([replay.response.status, replay.code, replay.bootstrap]).toEqual([401, 'lti_state_replayed', null]);
    expect(replay.html).toContain('open the activity again from the course page');
  });

  it('refuses an id_token under another login\'s state (nonce replay)', async () => {
    const first = await launchWith();
    const fresh = await login();
    const replay = await postLaunch({ id_token: first.idToken, state: fresh.state }, { Origin: LMS_ORIGIN });
    expect([replay.response.status, replay.code]).toEqual([401, 'lti_nonce_invalid']);
  });

  it('refuses a state it never issued, and one past its lifetime', async () => {
    const unknown = await postLaunch({ id_token: lms.sign({}), state: 'made-up-state' }, { Origin: LMS_ORIGIN });
    expect(unknown.code).toBe('lti_state_invalid');
    const started = await login();
    t.clock.advance(LTI_STATE_TTL_SEC + 1);
    const idToken = lms.sign(lms.claims({ nonce: started.nonce, nowSec: t.clock.nowSec(), audience: lms.clientId, targetLinkUri: target }));
    const late = await postLaunch({ id_token: idToken, state: started.state }, { Origin: LMS_ORIGIN });
    expect([late.response.status, late.code]).toEqual([401, 'lti_state_invalid']);
  });

  it('refuses a launch posted by another site (a state carried to another browser), and leaves the state unspent', async () => {
    const started = await login();
    const idToken = lms.sign(lms.claims({ nonce: started.nonce, nowSec: t.clock.nowSec(), audience: lms.clientId, targetLinkUri: target }));
    for (const origin of ['https://evil.example', 'null', 'https://other-lms.example']) {
      const forged = await postLaunch({ id_token: idToken, state: started.state }, { Origin: origin });
      expect([forged.response.status, forged.code]).toEqual([401, 'lti_state_unbound']);
    }
    const asPage = await postLaunch({ id_token: idToken, state: started.state }, { Origin: LMS_ORIGIN, 'Sec-Fetch-Dest': 'script' });
    expect(asPage.code).toBe('lti_state_unbound');
    expect((await postLaunch({ id_token: idToken, state: started.state }, { Origin: LMS_ORIGIN, 'Sec-Fetch-Dest': 'iframe' })).response.status).toBe(200);
  });

  it.each([
    ['a wrong aud', { aud: 'client-x' }, 'lti_wrong_audience'],
    ['several audiences without azp', { aud: ['client-x', 'client-1'] }, 'lti_wrong_audience'],
    ['an azp naming another client', { aud: ['client-1', 'client-x'], azp: 'client-x' }, 'lti_wrong_audience'],
    ['a wrong iss', { iss: 'https://lms.example/other' }, 'lti_wrong_issuer'],
    ['an unregistered deployment', { [LTI_CLAIM.deploymentId]: 'deployment-x' }, 'lti_deployment_unknown'],
    ['LTI version 1.1', { [LTI_CLAIM.version]: '1.1' }, 'lti_wrong_version'],
    ['a Deep Linking request', { [LTI_CLAIM.messageType]: 'LtiDeepLinkingRequest' }, 'lti_wrong_message_type'],
    ['a target_link_uri elsewhere', { [LTI_CLAIM.targetLinkUri]: 'https://evil.example/' }, 'lti_target_invalid'],
    ['an expired id_token', { exp: 1_000_000, iat: 999_000 }, 'lti_token_expired'],
    ['an id_token issued in the future', { iat: 4_000_000_000, exp: 4_000_000_300 }, 'lti_token_invalid'],
    ['another nonce', { nonce: 'someone-elses-nonce' }, 'lti_nonce_invalid'],
    ['no sub (anonymous)', { sub: undefined }, 'lti_token_invalid'],
    ['no resource link', { [LTI_CLAIM.resourceLink]: undefined }, 'lti_token_invalid'],
  ])('refuses %s with its own code', async (_name, overrides, code) => {
    const launched = await launchWith(overrides);
    expect([launched.response.status >= 400 && launched.response.status < 500, launched.code, launched.bootstrap]).toEqual([true, code, null]);
  });

  it('logs a refusal with the platform\'s tenant and the reason, never the token', async () => {
    const launched = await launchWith({ aud: 'client-x' });
    const line = log.lines.filter((l) => l.event === 'launch_rejected').at(-1)!;
    expect(line).toMatchObject({ path: '/lti/launch', code: 'lti_wrong_audience', issuer: expect.stringMatching(/^lti:/), tenantId: expect.any(String) });
    expect(JSON.stringify(log.lines)).not.toContain(launched.idToken);
    expect(JSON.stringify(log.lines)).not.toContain(launched.state);
  });

  it('refuses an id_token from another registered platform', async () => {
    // Signed by the other LMS with its own key and issuer, posted to a login of this one.
    const launched = await launchWith({}, { platform: other });
    expect([launched.response.status, launched.code]).toEqual([401, 'lti_wrong_issuer']);
    // The other LMS's key claiming this one's issuer.
    const forged = await launchWith({}, { token: (nonce) => signAsymmetric('RS256', lms.claims({ nonce, nowSec: t.clock.nowSec(), audience: lms.clientId, targetLinkUri: target }), other.privateKey, { kid: lms.kid }) });
    expect(forged.code).toBe('lti_token_invalid');
  });

  it('refuses alg tricks: none, HS256 keyed with the public key, a key the platform never published, a kid swap', async () => {
    const claims = (nonce: string) => lms.claims({ nonce, nowSec: t.clock.nowSec(), audience: lms.clientId, targetLinkUri: target });
    const publicPem = lms.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const stranger = generateKeyPair('RS256');
    const tricks = [
      (nonce: string) => rawToken({ alg: 'none', typ: 'JWT' }, claims(nonce), ''),
      (nonce: string) => rawToken({ alg: 'none', typ: 'JWT' }, claims(nonce)),
      (nonce: string) => signHs256(claims(nonce), publicPem, { kid: lms.kid }),
      (nonce: string) => signAsymmetric('RS256', claims(nonce), stranger.privateKey, { kid: lms.kid }),
      (nonce: string) => signAsymmetric('RS256', claims(nonce), lms.privateKey, { kid: other.kid }),
      (nonce: string) => signAsymmetric('ES256', claims(nonce), generateKeyPair('ES256').privateKey, { kid: lms.kid }),
    ];
    for (const token of tricks) {
      const launched = await launchWith({}, { token });
      expect([launched.response.status, launched.code]).toEqual([401, 'lti_token_invalid']);
    }
  });

  it('says when the platform refused the login', async () => {
    const refused = await postLaunch({ error: 'login_required', error_description: 'not signed in', state: 'x' });
    expect([refused.response.status, refused.code]).toEqual([401, 'lti_platform_refused']);
  });

  it('never lets an LTI platform\'s tenant launch through /launch', async () => {
    const tenantIssuer = (await t.db('tenants').where('issuer', 'like', 'lti:%').first()).issuer as string;
    const token = signAsymmetric('RS256', { iss: tenantIssuer, aud: t.config.audience, sub: 'x', iat: t.clock.nowSec(), exp: t.clock.nowSec() + 60, jti: 'j1' }, lms.privateKey, { kid: lms.kid });
    const response = await fetch(`${t.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ jwt: token }) });
    expect([response.status, codeOf(await response.text())]).toEqual([401, 'launch_invalid']);
  });
});

describe('a launch with platform storage', () => {
  async function storageLogin() {
    const response = await fetch(`${t.url}/lti/login?${new URLSearchParams(loginParams({ lti_storage_target: 'post_message_forwarding' }))}`, { redirect: 'manual' });
    const html = await response.text();
    const data = JSON.parse(/<script type="application\/json" id="lti-storage">([^<]*)<\/script>/.exec(html)![1]!) as { mode: string; target: string; origin: string; key: string; value: string; next: string };
    const next = new URL(data.next).searchParams;
    return { response, html, data, state: next.get('state')!, nonce: next.get('nonce')! };
  }

  it('keeps the browser\'s half of the state in the platform frame, then opens the session only with it', async () => {
    const started = await storageLogin();
    expect(started.response.status).toBe(200);
    expect(started.response.headers.get('Content-Security-Policy')).toMatch(/script-src 'nonce-[^']+'; .*form-action 'self'; frame-ancestors https:\/\/lms\.example$/);
    expect(started.data).toMatchObject({ mode: 'put', target: 'post_message_forwarding', origin: LMS_ORIGIN, key: `state_${started.state}` });
    expect(new URL(started.data.next).origin).toBe(LMS_ORIGIN);

    const idToken = lms.sign(lms.claims({ nonce: started.nonce, nowSec: t.clock.nowSec(), audience: lms.clientId, targetLinkUri: target }));
    const pending = await postLaunch({ id_token: idToken, state: started.state }, { Origin: LMS_ORIGIN });
    expect(pending.response.status).toBe(200);
    // No session yet: the page asks the platform frame for the state first.
    expect(pending.bootstrap).toBeNull();
    expect(pending.html).toContain('"mode":"get"');
    expect(pending.html).toContain('action="/lti/launch/finish"');
    expect(pending.response.headers.get('Referrer-Policy')).toBe('same-origin');

    const finish = (secret: string, headers: Record<string, string> = {}) => postLaunch({ id_token: idToken, state: started.state, browser_state: secret }, headers, '/lti/launch/finish');
    // Another browser's storage holds no such value.
    expect((await finish('not-the-stored-value', { Origin: t.config.publicUrl })).code).toBe('lti_state_unbound');
    // Only the launch page itself may post it.
    expect((await finish(started.data.value, { Origin: 'https://evil.example' })).code).toBe('lti_state_unbound');
    expect((await finish(started.data.value, { 'Sec-Fetch-Site': 'cross-site' })).code).toBe('lti_state_unbound');
    expect((await finish(started.data.value, { Origin: 'null' })).code).toBe('lti_state_unbound');
    // A no-referrer page posts "Origin: null"; the browser's Sec-Fetch-Site vouches for it.
    const opened = await finish(started.data.value, { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' });
    expect(opened.response.status).toBe(200);
    expect(opened.bootstrap).toMatchObject({ noHostSdk: true, contextLabel: 'Week 3: Compilers' });
    expect((await finish(started.data.value, { Origin: t.config.publicUrl })).code).toBe('lti_state_replayed');
  });

  it('ignores a storage target that is not a frame name', async () => {
    const response = await fetch(`${t.url}/lti/login?${new URLSearchParams(loginParams({ lti_storage_target: 'javascript:alert(1)' }))}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
  });
});
