import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function errorOf(response: Response) {
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code, wwwAuthenticate: response.headers.get('www-authenticate') };
}

describe('GET /api/me', () => {
  it('answers the signed-in user with a valid bearer token', async () => {
    const { token, bootstrap } = await t.launch({ name: 'Grace Hopper', ctx: 'page:7' });
    const response = await t.api('GET', '/api/me', token);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ user: { id: bootstrap.user.id, name: 'Grace Hopper' }, context: 'page:7', expiresAt: bootstrap.expiresAt });
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 401 token_missing without a bearer token', async () => {
    const result = await errorOf(await t.api('GET', '/api/me'));
    expect(result).toMatchObject({ status: 401, code: 'token_missing' });
    expect(result.wwwAuthenticate).toMatch(/^Bearer /);
  });

  it('answers 401 token_missing for a non-Bearer scheme', async () => {
    const response = await fetch(`${t.url}/api/me`, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect((await errorOf(response)).code).toBe('token_missing');
  });

  it('answers 401 token_expired past exp plus skew', async () => {
    const { token } = await t.launch();
    t.clock.advance(300 + 31);
    const result = await errorOf(await t.api('GET', '/api/me', token));
    expect(result).toMatchObject({ status: 401, code: 'token_expired' });
    expect(result.wwwAuthenticate).toContain('error="invalid_token"');
  });

  it('still accepts a token within the skew after exp', async () => {
    const { token } = await t.launch();
    t.clock.advance(300 + 20);
    expect((await t.api('GET', '/api/me', token)).status).toBe(200);
  });

  it('answers 401 token_invalid for a tampered token', async () => {
    const { token } = await t.launch();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.sub = '00000000-0000-4000-8000-000000000000';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect(await errorOf(await t.api('GET', '/api/me', forged))).toMatchObject({ status: 401, code: 'token_invalid' });
  });

  it('answers 401 token_invalid for garbage and for a launch token', async () => {
    expect((await errorOf(await t.api('GET', '/api/me', 'not-a-jwt'))).code).toBe('token_invalid');
    expect((await errorOf(await t.api('GET', '/api/me', t.launchToken()))).code).toBe('token_invalid');
  });

  it('never accepts the token from a query string or a cookie', async () => {
    const { token } = await t.launch();
    expect((await errorOf(await fetch(`${t.url}/api/me?access_token=${token}`))).code).toBe('token_missing');
    expect((await errorOf(await fetch(`${t.url}/api/me`, { headers: { Cookie: `token=${token}` } }))).code).toBe('token_missing');
  });
});

describe('a bad bearer token costs no database work', () => {
  it('rejects malformed, forged and expired tokens of a known key without a single query', async () => {
    const { token } = await t.launch();
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}`;
    const queries: string[] = [];
    const count = (q: { sql: string }) => queries.push(q.sql);
    t.db.on('query', count);
    try {
      for (const bad of ['not-a-jwt', forged]) {
        expect((await errorOf(await t.api('GET', '/api/notes', bad))).code).toBe('token_invalid');
      }
      t.clock.advance(300 + 31);
      expect((await errorOf(await t.api('GET', '/api/notes', token))).code).toBe('token_expired');
    } finally {
      t.db.off('query', count);
    }
    expect(queries).toEqual([]);
  });
});

describe('GET /healthz', () => {
  it('answers 200 when the database answers', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('unknown paths', () => {
  it('answer 404 not_found as JSON', async () => {
    const response = await fetch(`${t.url}/nope`, { headers: { Accept: 'application/json' } });
    expect(await errorOf(response)).toMatchObject({ status: 404, code: 'not_found' });
  });
});
