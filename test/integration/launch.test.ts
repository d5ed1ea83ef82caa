import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_ORIGIN, startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function postLaunch(token: string): Promise<{ status: number; code: string | null; html: string; response: Response }> {
  const response = await fetch(`${t.url}/launch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ jwt: token }),
  });
  const html = await response.text();
  const code = /<code id="error-code">([^<]*)<\/code>/.exec(html)?.[1] ?? null;
  return { status: response.status, code, html, response };
}

describe('a good launch', () => {
  it('answers the widget page with a session token and strict headers', async () => {
    const { response, bootstrap } = await t.launch();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('set-cookie')).toBeNull();
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`frame-ancestors ${HOST_ORIGIN}`);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(bootstrap.user.name).toBe('Ada Lovelace');
    expect(bootstrap.context).toBe('page:42');
    expect(bootstrap.hostOrigins).toEqual([HOST_ORIGIN]);
  });

  it('uses a fresh nonce on every response, on the script tags too', async () => {
    const a = await t.launch();
    const b = await t.launch();
    const nonceOf = (r: Response) => /'nonce-([^']+)'/.exec(r.headers.get('content-security-policy')!)![1];
    expect(nonceOf(a.response)).not.toBe(nonceOf(b.response));
  });

  it('issues a five-minute session token for an opaque user UUID, never the host id', async () => {
    const { token, bootstrap } = await t.launch({ sub: 'host-user-12345' });
    const [headerPart, payloadPart] = token.split('.');
    const header = JSON.parse(Buffer.from(headerPart!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(payloadPart!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'HS256', typ: 'widget-session+jwt' });
    expect(typeof header.kid).toBe('string');
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(claims).toMatchObject({ tid: t.tenant.id, ctx: 'page:42', iss: t.config.sessionIssuer, aud: t.config.sessionAudience });
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.jti).toBe('string');
    expect(JSON.stringify(bootstrap)).not.toContain('host-user-12345');
    expect(bootstrap.user.id).toBe(claims.sub);
  });

  it('maps the same host user to the same UUID on every launch', async () => {
    const a = await t.launch({ sub: 'same-user' });
    const b = await t.launch({ sub: 'same-user' });
    const c = await t.launch({ sub: 'other-user' });
    expect(a.bootstrap.user.id).toBe(b.bootstrap.user.id);
    expect(c.bootstrap.user.id).not.toBe(a.bootstrap.user.id);
  });

  it('accepts GET /launch?jwt= (Atlassian Connect style)', async () => {
    const response = await fetch(`${t.url}/launch?jwt=${t.launchToken()}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('id="widget-bootstrap"');
  });

  it('accepts an aud array that contains our audience', async () => {
    expect((await postLaunch(t.launchToken({ aud: ['https://other.example', t.config.audience] }))).status).toBe(200);
  });

  it('defaults ctx to "default"', async () => {
    const { bootstrap } = await t.launch({ ctx: undefined });
    expect(bootstrap.context).toBe('default');
  });

  it('tolerates clock skew within CLOCK_SKEW', async () => {
    const now = t.clock.nowSec();
    expect((await postLaunch(t.launchToken({ iat: now - 70, exp: now - 10 }))).status).toBe(200);
    expect((await postLaunch(t.launchToken({ iat: now + 20, exp: now + 80, nbf: now + 20 }))).status).toBe(200);
  });
});

describe('the bootstrap block', () => {
  it('sends the page as ASCII, whatever the names and notes hold', async () => {
    const name = 'Zoë Ōkubo 😀';
    const first = await t.launch({ name, ctx: 'ascii:page' });
    expect((await t.api('POST', '/api/notes', first.token, { body: 'Café… 日本語 😀' })).status).toBe(201);
    const { response, html, bootstrap } = await t.launch({ name, ctx: 'ascii:page' });
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toMatch(/^[\x00-\x7f]*$/);
    expect(bootstrap.user.name).toBe(name);
    expect(bootstrap.notes[0].body).toBe('Café… 日本語 😀');
    expect(html).toContain('Caf&#xe9;&#x2026;');
  });

  it('cannot be broken out of by a hostile display name or context', async () => {
    const hostile = '</script><script>alert(1)</script><!--';
    const { html } = await t.launch({ name: hostile, ctx: '</SCRIPT ><img src=x onerror=alert(2)>' });
    const block = html.slice(html.indexOf('id="widget-bootstrap">'));
    const firstClose = block.toLowerCase().indexOf('</script');
    const content = block.slice('id="widget-bootstrap">'.length, firstClose);
    expect(content).not.toMatch(/[<>]/);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    const parsed = JSON.parse(content);
    expect(parsed.user.name).toBe(hostile);
    expect(parsed.context).toBe('</SCRIPT ><img src=x onerror=alert(2)>');
  });
});

describe('concurrent first launches', () => {
  it('give one user', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => t.launch({ sub: 'racing-user' })));
    const ids = new Set(results.map((r) => r.bootstrap.user.id));
    expect(ids.size).toBe(1);
    const rows = await t.db('users').where({ tenant_id: t.tenant.id, external_id: 'racing-user' });
    expect(rows).toHaveLength(1);
  });
});
