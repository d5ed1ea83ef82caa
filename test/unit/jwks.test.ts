import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksCache, JwksUnavailable, type JwksSource } from '../../server/auth/launch/jwksCache.ts';
import { checkJwksUrl, fetchJwksDocument, JwksFetchError, JwksUrlError, type JwksFetchOptions } from '../../server/auth/launch/jwksFetcher.ts';
import { JwksDocumentError, keySetFromJwks } from '../../server/auth/launch/jwksKeySet.ts';
import { FakeClock } from '../helpers/fakeClock.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwksServer.ts';

const jwkOf = (key: crypto.KeyObject, extra: Record<string, unknown> = {}) => ({ ...key.export({ format: 'jwk' }), ...extra });
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = crypto.generateKeyPairSync('ed25519');

describe('checkJwksUrl', () => {
  it('accepts https anywhere and http on loopback outside production', () => {
    expect(checkJwksUrl('https://host.example/.well-known/jwks.json', { production: true }).href).toBe('https://host.example/.well-known/jwks.json');
    for (const url of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks']) {
      expect(checkJwksUrl(url, { production: false }).protocol).toBe('http:');
    }
  });

  it.each([
    ['http://host.example/jwks', false],
    ['http://127.0.0.1/jwks', true],
    ['http://localhost.evil.example/jwks', false],
    ['http://127.0.0.2/jwks', false],
    ['file:///etc/passwd', false],
    ['ftp://host.example/jwks', false],
    ['https://user:pw@host.example/jwks', false],
    ['https://host.example/jwks#x', false],
    ['not a url', false],
    ['https://127.0.0.1/jwks', true],
    ['https://[::1]:8443/jwks', true],
    ['https://169.254.169.254/latest/meta-data/', true],
    ['https://10.0.0.1/jwks', true],
  ])('refuses %s (production %s)', (url, production) => {
    expect(() => checkJwksUrl(url, { production })).toThrow(JwksUrlError);
  });
});

describe('keySetFromJwks', () => {
  it('keeps only keys that can mean the registered algorithm', () => {
    const doc = {
      keys: [
        jwkOf(rsa.publicKey, { kid: 'rsa-1', use: 'sig', alg: 'RS256' }),
        jwkOf(rsa.publicKey, { kid: 'rsa-enc', use: 'enc' }),
        jwkOf(rsa.publicKey, { kid: 'rsa-ps', alg: 'PS256' }),
        jwkOf(ec.publicKey, { kid: 'ec-1' }),
        jwkOf(rsa.privateKey, { kid: 'leaked' }),
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
        { kty: 'RSA', kid: 'broken', n: 'AQAB', e: 'AQAB' },
        'not an object',
        jwkOf(rsa.publicKey, { kid: 42 }),
      ],
    };
    const set = keySetFromJwks(doc, 'RS256', 'src');
    expect(set.keys.map((k) => k.kid)).toEqual(['rsa-1']);
    expect(set.skipped).toBe(8);
    expect(set.keys[0]!.alg).toBe('RS256');
  });

  it('reads EC P-256 and Ed25519 keys for ES256 and EdDSA', () => {
    expect(keySetFromJwks({ keys: [jwkOf(ec.publicKey, { kid: 'e' }), jwkOf(rsa.publicKey)] }, 'ES256', 's').keys.map((k) => k.kid)).toEqual(['e']);
    expect(keySetFromJwks({ keys: [jwkOf(ed.publicKey), jwkOf(ec.publicKey)] }, 'EdDSA', 's').keys.map((k) => k.key.asymmetricKeyType)).toEqual(['ed25519']);
  });

  it('refuses a document that is not a key set or is too large', () => {
    expect(() => keySetFromJwks({ key: [] }, 'RS256', 's')).toThrow(JwksDocumentError);
    expect(() => keySetFromJwks([], 'RS256', 's')).toThrow(JwksDocumentError);
    expect(() => keySetFromJwks({ keys: Array.from({ length: 21 }, () => ({})) }, 'RS256', 's')).toThrow(JwksDocumentError);
  });
});

describe('fetchJwksDocument', () => {
  let server: JwksServer;
  beforeAll(async () => {
    server = await startJwksServer();
  });
  afterAll(() => server.close());
  // Short where the test waits for the timeout itself (an endpoint that never
  // answers); long where it waits for the server's answer, which a busy machine
  // may take more than 300 ms to give.
  const options: JwksFetchOptions = { timeoutMs: 300, maxBytes: 1024, fetch: globalThis.fetch };
  const answering: JwksFetchOptions = { ...options, timeoutMs: 60_000 };
  const url = () => new URL(`${server.url}/jwks.json`);

  it('returns the parsed document', async () => {
    server.behave({ kind: 'json', body: { keys: [{ kid: 'a' }] } });
    expect(await fetchJwksDocument(url(), answering)).toEqual({ keys: [{ kid: 'a' }] });
  });

  it.each([
    ['an error status', { kind: 'raw', status: 500, body: '{}' }, /HTTP 500/],
    ['a body that is not JSON', { kind: 'raw', status: 200, body: '<html>' }, /not JSON/],
    ['a declared size over the cap', { kind: 'raw', status: 200, body: '{}', headers: { 'Content-Length': '5000' } }, /larger than 1024/],
    ['a streamed size over the cap', { kind: 'raw', status: 200, body: JSON.stringify({ keys: 'x'.repeat(4000) }) }, /larger than 1024/],
    ['a redirect', { kind: 'redirect', location: 'https://elsewhere.example/jwks' }, /request failed/],
  ] as const)('fails on %s', async (_name, behaviour, message) => {
    server.behave(behaviour);
    await expect(fetchJwksDocument(url(), answering)).rejects.toThrow(message);
  });

  it.each([
    ['an endpoint that never answers', { kind: 'hang' }],
    ['a body that trickles in forever', { kind: 'trickle' }],
  ] as const)('gives up on %s within the timeout', async (_name, behaviour) => {
    server.behave(behaviour);
    // The server never finishes: rejecting at all is the timeout giving up (how soon depends on the machine).
    await expect(fetchJwksDocument(url(), options)).rejects.toThrow(JwksFetchError);
  });
});

describe('JwksCache', () => {
  const source: JwksSource = { id: 'key-1', tenantId: 'tenant-1', alg: 'RS256', url: 'https://host.example/jwks.json' };

  function setup() {
    const clock = new FakeClock();
    const state = { calls: 0, doc: { keys: [jwkOf(rsa.publicKey, { kid: 'k1' })] } as unknown, fail: false };
    const fetch: typeof globalThis.fetch = async () => {
      state.calls++;
      if (state.fail) throw new Error('down');
      return new Response(JSON.stringify(state.doc), { status: 200 });
    };
    const cache = new JwksCache({ ttlMs: 600_000, minRefetchMs: 30_000, maxStaleMs: 3_600_000, production: true, fetch: { timeoutMs: 1000, maxBytes: 65536, fetch } }, clock);
    return { clock, state, cache };
  }

  it('fetches once and serves the cached set until the TTL', async () => {
    const { clock, state, cache } = setup();
    expect((await cache.keys(source)).map((k) => k.kid)).toEqual(['k1']);
    await cache.keys(source);
    clock.advance(599);
    await cache.keys(source);
    expect(state.calls).toBe(1);
    clock.advance(2);
    await cache.keys(source);
    expect(state.calls).toBe(2);
  });

  it('shares one request among concurrent callers', async () => {
    const { state, cache } = setup();
    await Promise.all(Array.from({ length: 10 }, () => cache.keys(source)));
    expect(state.calls).toBe(1);
  });

  it('allows one early refetch per tenant per period', () => {
    const { clock, cache } = setup();
    expect(cache.claimEarlyRefetch('tenant-1')).toBe(true);
    expect(cache.claimEarlyRefetch('tenant-1')).toBe(false);
    expect(cache.claimEarlyRefetch('tenant-2')).toBe(true);
    clock.advance(30);
    expect(cache.claimEarlyRefetch('tenant-1')).toBe(true);
  });

  it('fails without a usable set, then waits before asking a failing endpoint again', async () => {
    const { clock, state, cache } = setup();
    state.fail = true;
    await expect(cache.keys(source)).rejects.toThrow(JwksUnavailable);
    await expect(cache.keys(source, { refresh: true })).rejects.toThrow(JwksUnavailable);
    expect(state.calls).toBe(1);
    clock.advance(31);
    state.fail = false;
    expect(await cache.keys(source)).toHaveLength(1);
    expect(state.calls).toBe(2);
  });

  it('keeps using an expired set for a bounded time while the endpoint fails', async () => {
    const { clock, state, cache } = setup();
    await cache.keys(source);
    state.fail = true;
    clock.advance(600 + 1800);
    expect(await cache.keys(source)).toHaveLength(1);
    clock.advance(1800 + 1);
    await expect(cache.keys(source)).rejects.toThrow(JwksUnavailable);
  });

  it('refuses a plain http URL in production', async () => {
    const { state, cache } = setup();
    await expect(cache.keys({ ...source, url: 'http://127.0.0.1:1/jwks' })).rejects.toThrow(/https/);
    expect(state.calls).toBe(0);
  });
});
