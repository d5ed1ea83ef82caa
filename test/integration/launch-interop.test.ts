import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTenantKey, removeTenantKey } from '../../server/admin/tenants.ts';
import { NODE_CLOCK_TOLERANCE_MS, purgeExpiredLaunchJtis } from '../../server/db/launchJtis.ts';
import { queryStringHash } from '../../server/auth/launch/queryStringHash.ts';
import { jsonLogger } from '../../server/logger.ts';
import { generateKeyPair, signAsymmetric, signHs256, type AsymmetricAlg } from '../../support/signJwt.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwksServer.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Tokens from signers other than our own code are accepted: node:crypto used
// directly (as a host without a JWT library would), jsonwebtoken as in the
// integration guide, and keys published as a JWKS on loopback.

const logLines: Array<Record<string, unknown>> = [];
let t: TestApp;
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer();
  t = await startTestApp({
    // Long enough for a busy machine's local answer; the one hanging endpoint waits it out once.
    jwks: { fetch: { timeoutMs: 10_000, maxBytes: 64 * 1024, fetch: (...args) => globalThis.fetch(...args) } },
    logger: jsonLogger((line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
  });
});
afterAll(async () => {
  await t.close();
  await jwks.close();
});

async function postLaunch(token: string, path = '/launch') {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ jwt: token }) });
  const html = await response.text();
  return { status: response.status, code: /<code id="error-code">([^<]*)<\/code>/.exec(html)?.[1] ?? null, html };
}

async function postSession(token: string, path = '/api/session') {
  const response = await t.api('POST', path, undefined, { jwt: token });
  const body = (await response.json()) as { token?: string; error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code ?? null, body };
}

const ALGS: AsymmetricAlg[] = ['RS256', 'ES256', 'EdDSA'];

describe('tokens signed with node:crypto directly', () => {
  it('HS256 with the shared secret as its UTF-8 bytes', async () => {
    const token = signHs256(t.launchClaims(t.tenant.issuer), t.tenant.secret);
    expect((await postLaunch(token)).status).toBe(200);
  });

  it.each(ALGS)('%s with the registered public key, at /launch and /api/session', async (alg) => {
    const pair = generateKeyPair(alg);
    const tenant = await t.addTenantWithKey(`crypto-${alg}`, { type: 'pem', alg, pem: pair.publicPem });
    expect((await postLaunch(signAsymmetric(alg, t.launchClaims(tenant.issuer), pair.privateKey))).status).toBe(200);
    const session = await postSession(signAsymmetric(alg, t.launchClaims(tenant.issuer), pair.privateKey));
    expect(session.status).toBe(200);
    expect(typeof session.body.token).toBe('string');
  });

  it.each(ALGS)('%s is refused when signed by another key of the same type', async (alg) => {
    const registered = generateKeyPair(alg);
    const stranger = generateKeyPair(alg);
    const tenant = await t.addTenantWithKey(`stranger-${alg}`, { type: 'pem', alg, pem: registered.publicPem });
    expect(await postLaunch(signAsymmetric(alg, t.launchClaims(tenant.issuer), stranger.privateKey))).toMatchObject({ status: 401, code: 'launch_invalid' });
  });
});

describe('tokens signed with jsonwebtoken (as in docs/integrating.md)', () => {
  it.each(['RS256', 'ES256'] as const)('%s', async (alg) => {
    const pair = generateKeyPair(alg);
    const tenant = await t.addTenantWithKey(`jsonwebtoken-${alg}`, { type: 'pem', alg, pem: pair.publicPem });
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = jwt.sign({ sub: 'user-1', ctx: 'page:1', jti: crypto.randomUUID() }, privatePem, { algorithm: alg, issuer: tenant.issuer, audience: t.config.audience, expiresIn: 60, keyid: 'ignored-kid' });
    // jsonwebtoken stamps iat from the real clock; move the test clock there.
    const iat = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iat as number;
    t.clock.advance(iat - t.clock.nowSec());
    expect((await postLaunch(token)).status).toBe(200);
  });

  it('accepts a PKCS#1 RSA public key file and stores it as SPKI', async () => {
    const pair = generateKeyPair('RS256');
    const pkcs1 = pair.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const tenant = await t.addTenantWithKey('pkcs1-host', { type: 'pem', alg: 'RS256', pem: pkcs1 });
    const row = await t.db('tenant_keys').where({ tenant_id: tenant.id }).first();
    expect(row.material).toContain('BEGIN PUBLIC KEY');
    expect((await postLaunch(signAsymmetric('RS256', t.launchClaims(tenant.issuer), pair.privateKey))).status).toBe(200);
  });
});

describe('key rotation with kid', () => {
  it('verifies old and new keys side by side, then only the new one', async () => {
    const oldPair = generateKeyPair('ES256');
    const newPair = generateKeyPair('ES256');
    const tenant = await t.addTenantWithKey('rotating-host', { type: 'pem', alg: 'ES256', pem: oldPair.publicPem, kid: 'old' });
    await addTenantKey(t.db, t.secrets, { issuer: tenant.issuer, key: { type: 'pem', alg: 'ES256', pem: newPair.publicPem, kid: 'new' }, now: t.clock.now() });
    t.clock.advance(31); // the tenant directory caches tenants for 30 s
    const sign = (pair: typeof oldPair, kid: string) => signAsymmetric('ES256', t.launchClaims(tenant.issuer), pair.privateKey, { kid });
    expect((await postLaunch(sign(oldPair, 'old'))).status).toBe(200);
    expect((await postLaunch(sign(newPair, 'new'))).status).toBe(200);
    // The kid picks the key: the right key under the wrong kid is refused.
    expect(await postLaunch(sign(newPair, 'old'))).toMatchObject({ status: 401, code: 'launch_invalid' });

    await removeTenantKey(t.db, { issuer: tenant.issuer, kid: 'old' });
    t.clock.advance(31);
    expect(await postLaunch(sign(oldPair, 'old'))).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect((await postLaunch(sign(newPair, 'new'))).status).toBe(200);
  });

  it('rotates HS256 secrets the same way', async () => {
    const first = await t.addTenant('hs-rotating-host');
    const added = await addTenantKey(t.db, t.secrets, { issuer: first.issuer, key: { type: 'secret', kid: 'second' }, now: t.clock.now() });
    t.clock.advance(31);
    expect((await postLaunch(signHs256(t.launchClaims(first.issuer), first.secret))).status).toBe(200);
    expect((await postLaunch(signHs256(t.launchClaims(first.issuer), added.secret!, { kid: 'second' }))).status).toBe(200);
  });
});

describe('a JWKS served on loopback', () => {
  const es1 = generateKeyPair('ES256');
  const es2 = generateKeyPair('ES256');
  const jwk = (pair: typeof es1, kid: string) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'ES256' });
  const hits = () => jwks.hits.get('/tenant/jwks.json') ?? 0;
  let issuer = '';
  const sign = (pair: typeof es1, kid: string) => signAsymmetric('ES256', t.launchClaims(issuer), pair.privateKey, { kid });

  beforeAll(async () => {
    jwks.behave({ kind: 'json', body: { keys: [jwk(es1, 'k1')] } });
    issuer = (await t.addTenantWithKey('jwks-host', { type: 'jwks', alg: 'ES256', url: `${jwks.url}/tenant/jwks.json` })).issuer;
  });

  it('verifies a token by its kid and caches the key set', async () => {
    expect((await postLaunch(sign(es1, 'k1'))).status).toBe(200);
    expect((await postLaunch(sign(es1, 'k1'))).status).toBe(200);
    expect(hits()).toBe(1);
  });

  it('refetches when a token names a new kid (rotation), at most once per period per tenant', async () => {
    jwks.behave({ kind: 'json', body: { keys: [jwk(es1, 'k1'), jwk(es2, 'k2')] } });
    t.clock.advance(31);
    const before = hits();
    expect((await postLaunch(sign(es2, 'k2'))).status).toBe(200);
    expect(hits()).toBe(before + 1);

    // Random kids cannot make us hammer the host: one refetch, then refusals from cache.
    const stranger = generateKeyPair('ES256');
    t.clock.advance(1);
    expect(await postLaunch(sign(stranger, 'k3'))).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(await postLaunch(sign(stranger, 'k4'))).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(hits()).toBe(before + 1);
  });

  it('stops accepting a key the host removed once the cache expires', async () => {
    jwks.behave({ kind: 'json', body: { keys: [jwk(es2, 'k2')] } });
    t.clock.advance(10 * 60 + 1);
    expect(await postLaunch(sign(es1, 'k1'))).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect((await postLaunch(sign(es2, 'k2'))).status).toBe(200);
  });

  it('answers launch_invalid quickly for an endpoint that hangs, and does not wait again', async () => {
    const slow = await t.addTenantWithKey('jwks-slow-host', { type: 'jwks', alg: 'ES256', url: `${jwks.url}/slow/jwks.json` });
    jwks.behave({ kind: 'hang' });
    const token = () => signAsymmetric('ES256', t.launchClaims(slow.issuer), es1.privateKey, { kid: 'k1' });
    // The endpoint never answers: any answer at all is our fetch timeout giving up.
    const first = await postLaunch(token());
    expect(first).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(first.html).toContain('JWKS');
    // The second launch does not wait again: it never asks the endpoint.
    expect(await postSession(token())).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(jwks.hits.get('/slow/jwks.json')).toBe(1);
  });

  it.each([
    ['an error status', { kind: 'raw', status: 503, body: 'down' }],
    ['a body that is not JSON', { kind: 'raw', status: 200, body: 'not json' }],
    ['an oversized body', { kind: 'raw', status: 200, body: JSON.stringify({ keys: [], pad: 'x'.repeat(70_000) }) }],
    ['a redirect elsewhere', { kind: 'redirect', location: 'http://127.0.0.1:1/jwks.json' }],
    ['a key set without a matching key', { kind: 'json', body: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] } }],
  ] as const)('answers launch_invalid, never a 5xx, for %s', async (name, behaviour) => {
    const broken = await t.addTenantWithKey(`jwks-broken-${name.replace(/\W/g, '-')}`, { type: 'jwks', alg: 'ES256', url: `${jwks.url}/broken/${name.length}.json` });
    jwks.behave(behaviour);
    expect(await postLaunch(signAsymmetric('ES256', t.launchClaims(broken.issuer), es1.privateKey, { kid: 'k1' }))).toMatchObject({ status: 401, code: 'launch_invalid' });
  });

  it('tells the launcher the same whether a connection was made or not; only the log says which', async () => {
    const closed = await t.addTenantWithKey('jwks-closed-port', { type: 'jwks', alg: 'ES256', url: 'http://127.0.0.1:1/jwks.json' });
    const answering = await t.addTenantWithKey('jwks-answers-503', { type: 'jwks', alg: 'ES256', url: `${jwks.url}/answers-503.json` });
    jwks.behave({ kind: 'raw', status: 503, body: 'down' });
    logLines.length = 0;
    const [refused, reached] = [
      await postSession(signAsymmetric('ES256', t.launchClaims(closed.issuer), es1.privateKey, { kid: 'k1' })),
      await postSession(signAsymmetric('ES256', t.launchClaims(answering.issuer), es1.privateKey, { kid: 'k1' })),
    ];
    expect(refused).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(reached.body.error).toEqual(refused.body.error);
    expect(logLines.filter((l) => l.event === 'jwks_fetch_failed').map((l) => l.reason)).toEqual([expect.stringContaining('request failed'), 'it answered HTTP 503']);
  });
});

describe('qsh (query string hash)', () => {
  it('accepts GET /launch when qsh covers the other query parameters', async () => {
    const qsh = queryStringHash({ method: 'GET', path: '/launch', query: 'lang=en&ctx=page%3A1' });
    const token = t.launchToken({ qsh });
    const response = await fetch(`${t.url}/launch?lang=en&jwt=${token}&ctx=page%3A1`);
    expect(response.status).toBe(200);
  });

  it('accepts POST /launch and POST /api/session with the hash of that request', async () => {
    const forLaunch = crypto.createHash('sha256').update('POST&/launch&').digest('hex');
    const forSession = crypto.createHash('sha256').update('POST&/api/session&').digest('hex');
    expect((await postLaunch(t.launchToken({ qsh: forLaunch }))).status).toBe(200);
    expect((await postSession(t.launchToken({ qsh: forSession }))).status).toBe(200);
    // Bound to one endpoint: the launch hash does not open a session at the API.
    expect(await postSession(t.launchToken({ qsh: forLaunch }))).toMatchObject({ status: 401, code: 'launch_invalid' });
  });
});

describe('operations', () => {
  it('logs a rejected launch with its code and reason, never the token', async () => {
    logLines.length = 0;
    const token = t.launchToken({ aud: 'https://elsewhere.example' });
    const response = await fetch(`${t.url}/launch?jwt=${token}`);
    expect(response.status).toBe(401);
    const rejected = logLines.find((l) => l.event === 'launch_rejected');
    expect(rejected).toMatchObject({ code: 'launch_invalid', path: '/launch', method: 'GET' });
    expect(String(rejected!.reason)).toContain('"aud"');
    expect(logLines.find((l) => l.event === 'request')).toMatchObject({ status: 401, code: 'launch_invalid', path: '/launch' });
    const all = JSON.stringify(logLines);
    expect(all).not.toContain(token.split('.')[2]);
    expect(all).not.toContain(token.split('.')[1]);
    expect(all).not.toContain('user-1');
  });

  it('purges used jtis once no node could accept their tokens any more, and only those', async () => {
    const token = t.launchToken({ jti: 'purge-me', exp: t.clock.nowSec() + 60 });
    expect((await postLaunch(token)).status).toBe(200);
    const count = () => t.db('launch_jtis').where({ jti: 'purge-me' }).count({ n: '*' }).first().then((r) => Number(r!.n));
    // Accepted through second exp + CLOCK_SKEW (60 + 30), remembered a node-clock tolerance longer.
    const forgottenAfter = 91_000 + NODE_CLOCK_TOLERANCE_MS;
    await purgeExpiredLaunchJtis(t.db, t.clock.now() + forgottenAfter);
    expect(await count()).toBe(1);
    await purgeExpiredLaunchJtis(t.db, t.clock.now() + forgottenAfter + 1);
    expect(await count()).toBe(0);
  });
});
