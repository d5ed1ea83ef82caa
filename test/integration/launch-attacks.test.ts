import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStringHash } from '../../server/auth/launch/queryStringHash.ts';
import { generateKeyPair, rawToken, signAsymmetric, signHs256 } from '../../support/signJwt.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwksServer.ts';
import { startTestApp, type TestApp, type TestTenant } from '../helpers/testApp.ts';

// Hostile launch tokens and requests, each with the exact answer it must get.
// A launch never succeeds, never sets a cookie and never answers 5xx.

let t: TestApp;
let attackerJwks: JwksServer;
let other: TestTenant;
const rs = generateKeyPair('RS256');
const es = generateKeyPair('ES256');
const ed = generateKeyPair('EdDSA');
const attacker = generateKeyPair('RS256');
const RS_ISS = 'rs-host';
const ES_ISS = 'es-host';
const ED_ISS = 'ed-host';

beforeAll(async () => {
  t = await startTestApp();
  attackerJwks = await startJwksServer({ kind: 'json', body: { keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg: 'RS256', use: 'sig' }] } });
  await t.addTenantWithKey(RS_ISS, { type: 'pem', alg: 'RS256', pem: rs.publicPem });
  await t.addTenantWithKey(ES_ISS, { type: 'pem', alg: 'ES256', pem: es.publicPem });
  await t.addTenantWithKey(ED_ISS, { type: 'pem', alg: 'EdDSA', pem: ed.publicPem });
  other = await t.addTenant('other-host');
});
afterAll(async () => {
  await t.close();
  await attackerJwks.close();
});

interface Outcome {
  status: number;
  code: string | null;
}

async function outcomeOf(response: Response): Promise<Outcome> {
  expect(response.headers.get('set-cookie')).toBeNull();
  const text = await response.text();
  if (response.headers.get('content-type')?.startsWith('application/json')) {
    return { status: response.status, code: (JSON.parse(text) as { error?: { code: string } }).error?.code ?? null };
  }
  if (response.status !== 200) expect(text).not.toContain('widget-bootstrap');
  return { status: response.status, code: /<code id="error-code">([^<]*)<\/code>/.exec(text)?.[1] ?? null };
}

const form = (body: string) => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
const post = async (token: string) => outcomeOf(await fetch(`${t.url}/launch`, form(new URLSearchParams({ jwt: token }).toString())));
const get = async (token: string) => outcomeOf(await fetch(`${t.url}/launch?jwt=${encodeURIComponent(token)}`));
const session = async (token: string) =>
  outcomeOf(await fetch(`${t.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jwt: token }) }));

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const claims = (overrides: Record<string, unknown> = {}, issuer = t.tenant.issuer) => t.launchClaims(issuer, overrides);
const now = () => t.clock.nowSec();
const hs = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => signHs256(claims(overrides), t.tenant.secret, header);
const rsToken = (overrides: Record<string, unknown> = {}) => signAsymmetric('RS256', claims(overrides, RS_ISS), rs.privateKey);
const withHeader = (token: string, header: unknown) => [b64(header), ...token.split('.').slice(1)].join('.');
const hmacSigned = (header: Record<string, unknown>, payload: Record<string, unknown>, key: string | Buffer) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
};
/** Signs exact header/payload text, for JSON that JSON.stringify would never produce. */
const hsText = (headerJson: string, payloadJson: string) => {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  return `${input}.${crypto.createHmac('sha256', t.tenant.secret).update(input).digest('base64url')}`;
};

type Attack = [name: string, run: () => Promise<Outcome>, status: number, code: string];

const attacks: Attack[] = [
  // Unsigned tokens: "alg": "none" in every spelling, with and without a signature.
  ['alg none without a signature', () => post(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`), 401, 'launch_invalid'],
  ['alg none with a signature', () => post(rawToken({ alg: 'none' }, claims())), 401, 'launch_invalid'],
  ['alg None', () => post(rawToken({ alg: 'None' }, claims())), 401, 'launch_invalid'],
  ['alg NONE', () => post(rawToken({ alg: 'NONE' }, claims())), 401, 'launch_invalid'],
  ['alg nOnE', () => post(rawToken({ alg: 'nOnE' }, claims())), 401, 'launch_invalid'],
  ['alg NoNe via GET', () => get(rawToken({ alg: 'NoNe' }, claims())), 401, 'launch_invalid'],
  ['alg none on an RS256 tenant keeping the real signature', () => post(withHeader(rsToken(), { alg: 'none', typ: 'JWT' })), 401, 'launch_invalid'],
  ['no alg in the header', () => post(withHeader(hs(), { typ: 'JWT' })), 401, 'launch_invalid'],
  ['alg as an array', () => post(withHeader(hs(), { alg: ['HS256'] })), 401, 'launch_invalid'],
  ['alg in lower case (hs256)', () => post(hmacSigned({ alg: 'hs256' }, claims(), t.tenant.secret)), 401, 'launch_invalid'],
  ['stripped signature', () => post(`${hs().split('.').slice(0, 2).join('.')}.`), 401, 'launch_invalid'],
  ['signature of another valid token', () => post(`${hs({ sub: 'mallory' }).split('.').slice(0, 2).join('.')}.${hs().split('.')[2]}`), 401, 'launch_invalid'],
  ['wrong HS256 secret', () => post(signHs256(claims(), 'x'.repeat(43))), 401, 'launch_invalid'],
  ['HS512 with the right secret', () => post(jwt.sign(claims(), t.tenant.secret, { algorithm: 'HS512' })), 401, 'launch_invalid'],
  ['RS256 by a stranger on an HS256 tenant', () => post(signAsymmetric('RS256', claims(), attacker.privateKey)), 401, 'launch_invalid'],

  // Algorithm confusion against public-key tenants.
  ['HS256 signed with the RS256 tenant public key PEM', () => post(hmacSigned({ alg: 'HS256', typ: 'JWT' }, claims({}, RS_ISS), rs.publicPem)), 401, 'launch_invalid'],
  [
    'HS256 signed with the RS256 tenant public key as PKCS#1 PEM',
    () => post(hmacSigned({ alg: 'HS256' }, claims({}, RS_ISS), rs.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString())),
    401,
    'launch_invalid',
  ],
  ['RS256 signature relabelled PS256', () => post(withHeader(rsToken(), { alg: 'PS256', typ: 'JWT' })), 401, 'launch_invalid'],
  ['EdDSA token for an ES256 tenant', () => post(signAsymmetric('EdDSA', claims({}, ES_ISS), ed.privateKey)), 401, 'launch_invalid'],
  ['ES256 with r = s = 0 (psychic signature)', () => post(rawToken({ alg: 'ES256' }, claims({}, ES_ISS), Buffer.alloc(64).toString('base64url'))), 401, 'launch_invalid'],
  ['ES256 with r = s = 0 in DER form', () => post(rawToken({ alg: 'ES256' }, claims({}, ES_ISS), Buffer.from('3006020100020100', 'hex').toString('base64url'))), 401, 'launch_invalid'],
  ['EdDSA with an all-zero signature', () => post(rawToken({ alg: 'EdDSA' }, claims({}, ED_ISS), Buffer.alloc(64).toString('base64url'))), 401, 'launch_invalid'],
  ['EdDSA with a truncated signature', () => post(rawToken({ alg: 'EdDSA' }, claims({}, ED_ISS), Buffer.alloc(10).toString('base64url'))), 401, 'launch_invalid'],

  // Keys offered by the token itself are never used.
  [
    'embedded jwk with the attacker key',
    () => post(signAsymmetric('RS256', claims({}, RS_ISS), attacker.privateKey, { jwk: attacker.publicKey.export({ format: 'jwk' }) })),
    401,
    'launch_invalid',
  ],
  [
    'embedded jwk on an HS256 tenant',
    () => post(signAsymmetric('RS256', claims(), attacker.privateKey, { jwk: attacker.publicKey.export({ format: 'jwk' }) })),
    401,
    'launch_invalid',
  ],
  ['jku pointing at the attacker JWKS', () => post(signAsymmetric('RS256', claims({}, RS_ISS), attacker.privateKey, { kid: 'attacker', jku: `${attackerJwks.url}/jku.json` })), 401, 'launch_invalid'],
  ['x5u pointing at the attacker', () => post(signAsymmetric('RS256', claims({}, RS_ISS), attacker.privateKey, { x5u: `${attackerJwks.url}/x5u.pem` })), 401, 'launch_invalid'],
  ['x5c with a forged chain', () => post(signAsymmetric('RS256', claims({}, RS_ISS), attacker.privateKey, { x5c: [Buffer.from('not a certificate').toString('base64')] })), 401, 'launch_invalid'],

  // kid is a lookup key only.
  ['kid path traversal to /dev/null, signed with an empty key', () => post(hmacSigned({ alg: 'HS256', kid: '../../../../../../dev/null' }, claims(), '')), 401, 'launch_invalid'],
  ['kid absolute path, signed with the file contents', () => post(hmacSigned({ alg: 'HS256', kid: '/etc/hostname' }, claims(), 'localhost\n')), 401, 'launch_invalid'],
  ["kid SQL injection (' UNION SELECT)", () => post(hmacSigned({ alg: 'HS256', kid: "x' UNION SELECT 'attacker' --" }, claims(), 'attacker')), 401, 'launch_invalid'],
  ["kid SQL tautology (' OR '1'='1)", () => post(hmacSigned({ alg: 'HS256', kid: "' OR '1'='1" }, claims(), '1')), 401, 'launch_invalid'],
  ['kid of another tenant, signed with that tenant secret', () => post(signHs256(claims(), other.secret, { kid: other.id })), 401, 'launch_invalid'],
  ['kid as a number', () => post(hs({}, { kid: 7 })), 401, 'launch_invalid'],
  ['kid over 255 characters', () => post(hs({}, { kid: 'k'.repeat(256) })), 401, 'launch_invalid'],

  // Header types and extensions.
  ['typ of a widget session token', () => post(hs({}, { typ: 'widget-session+jwt' })), 401, 'launch_invalid'],
  ['crit header extension', () => post(hs({}, { crit: ['exp'] })), 401, 'launch_invalid'],

  // iss
  ['unknown issuer', () => post(hs({ iss: 'nobody' })), 401, 'unknown_issuer'],
  ['missing issuer', () => post(hs({ iss: undefined })), 401, 'launch_invalid'],
  ['issuer as a number', () => post(hs({ iss: 42 })), 401, 'launch_invalid'],
  ['issuer of another tenant, signed with our secret', () => post(hs({ iss: 'other-host' })), 401, 'launch_invalid'],

  // aud
  ['wrong audience', () => post(hs({ aud: 'https://elsewhere.example' })), 401, 'launch_invalid'],
  ['missing audience', () => post(hs({ aud: undefined })), 401, 'launch_invalid'],
  ['audience array without us', () => post(hs({ aud: ['https://a.example', 'https://b.example'] })), 401, 'launch_invalid'],
  ['empty audience array', () => post(hs({ aud: [] })), 401, 'launch_invalid'],
  ['audience with a trailing slash', () => post(hs({ aud: `${t.config.audience}/` })), 401, 'launch_invalid'],
  ['audience as an object', () => post(hs({ aud: { value: t.config.audience } })), 401, 'launch_invalid'],

  // exp, nbf, iat, lifetime
  ['expired', () => post(hs({ iat: now() - 200, exp: now() - 100 })), 401, 'launch_expired'],
  ['expired one second beyond the skew', () => post(hs({ iat: now() - 91, exp: now() - 31 })), 401, 'launch_expired'],
  ['missing exp', () => post(hs({ exp: undefined })), 401, 'launch_invalid'],
  ['exp as a string', () => post(hs({ exp: String(now() + 60) })), 401, 'launch_invalid'],
  ['negative exp', () => post(hs({ exp: -1 })), 401, 'launch_invalid'],
  ['exp at the end of time', () => post(hs({ exp: 1e308 })), 401, 'launch_expired'],
  ['exp equal to iat', () => post(hs({ exp: now() })), 401, 'launch_invalid'],
  ['lifetime one second over the limit', () => post(hs({ iat: now(), exp: now() + 301 })), 401, 'launch_expired'],
  ['lifetime of an hour', () => post(hs({ exp: now() + 3600 })), 401, 'launch_expired'],
  ['nbf in the future beyond the skew', () => post(hs({ nbf: now() + 31 })), 401, 'launch_invalid'],
  ['nbf as a string', () => post(hs({ nbf: String(now()) })), 401, 'launch_invalid'],
  ['iat in the future beyond the skew', () => post(hs({ iat: now() + 31, exp: now() + 91 })), 401, 'launch_invalid'],
  ['missing iat', () => post(hs({ iat: undefined })), 401, 'launch_invalid'],
  ['iat as a string', () => post(hs({ iat: String(now()) })), 401, 'launch_invalid'],

  // jti, sub, other claims
  ['missing jti', () => post(hs({ jti: undefined })), 401, 'launch_invalid'],
  ['empty jti', () => post(hs({ jti: '' })), 401, 'launch_invalid'],
  ['jti as a number', () => post(hs({ jti: 12345 })), 401, 'launch_invalid'],
  ['jti over 255 characters', () => post(hs({ jti: 'j'.repeat(256) })), 401, 'launch_invalid'],
  ['missing sub', () => post(hs({ sub: undefined })), 401, 'launch_invalid'],
  ['empty sub', () => post(hs({ sub: '' })), 401, 'launch_invalid'],
  ['sub over 255 characters', () => post(hs({ sub: 'u'.repeat(256) })), 401, 'launch_invalid'],
  ['sub as a number', () => post(hs({ sub: 42 })), 401, 'launch_invalid'],
  ['sub null', () => post(hs({ sub: null })), 401, 'launch_invalid'],
  ['sub as an array', () => post(hs({ sub: ['admin'] })), 401, 'launch_invalid'],
  ['ctx over 255 characters', () => post(hs({ ctx: 'c'.repeat(256) })), 401, 'launch_invalid'],
  ['empty ctx', () => post(hs({ ctx: '' })), 401, 'launch_invalid'],
  ['name as an object', () => post(hs({ name: { first: 'Ada' } })), 401, 'launch_invalid'],

  // qsh binds the token to one request.
  ['qsh for GET sent with POST', () => post(hs({ qsh: queryStringHash({ method: 'GET', path: '/launch', query: '' }) })), 401, 'launch_invalid'],
  ['qsh for /api/session sent to /launch', () => post(hs({ qsh: queryStringHash({ method: 'POST', path: '/api/session', query: '' }) })), 401, 'launch_invalid'],
  ['qsh for /launch sent to /api/session', () => session(hs({ qsh: queryStringHash({ method: 'POST', path: '/launch', query: '' }) })), 401, 'launch_invalid'],
  [
    'qsh for other query parameters',
    async () => {
      const token = hs({ qsh: queryStringHash({ method: 'GET', path: '/launch', query: 'ctx=page%3A1' }) });
      return outcomeOf(await fetch(`${t.url}/launch?ctx=page%3A2&jwt=${token}`));
    },
    401,
    'launch_invalid',
  ],
  ['qsh as a number', () => post(hs({ qsh: 1 })), 401, 'launch_invalid'],
  ['Atlassian context-qsh', () => post(hs({ qsh: 'context-qsh' })), 401, 'launch_invalid'],

  // Encoding: size, base64url, JSON.
  ['huge token (> 8 KB) by POST', () => post(`${b64({ alg: 'HS256' })}.${'A'.repeat(9000)}.${b64('sig')}`), 401, 'launch_invalid'],
  ['huge token (> 8 KB) by GET', () => get(hs({ name: 'n'.repeat(200), ctx: 'c'.repeat(200), pad: 'p'.repeat(8000) })), 401, 'launch_invalid'],
  ['huge token (> 8 KB) at /api/session', () => session(hs({ pad: 'p'.repeat(8000) })), 401, 'launch_invalid'],
  ['two parts', () => post('abc.def'), 401, 'launch_invalid'],
  ['four parts', () => post(`${hs()}.${b64('more')}`), 401, 'launch_invalid'],
  ['not base64url at all', () => post('a$b.c%d.e^f'), 401, 'launch_invalid'],
  ['standard base64 alphabet (+ and /)', () => post(hs({ name: '\u00fb\u00ff\u00fe?>' }).replace(/-/g, '+').replace(/_/g, '/')), 401, 'launch_invalid'],
  ['padded base64url', () => post(`${b64({ alg: 'HS256', typ: 'JWT' })}=.${hs().split('.').slice(1).join('.')}`), 401, 'launch_invalid'],
  ['header not JSON', () => post(`${b64('not json')}.${b64(claims())}.${b64('sig')}`), 401, 'launch_invalid'],
  ['payload not JSON', () => post(hsText('{"alg":"HS256"}', '{"iss": "test-host",')), 401, 'launch_invalid'],
  ['payload a JSON array', () => post(hsText('{"alg":"HS256"}', '["test-host"]')), 401, 'launch_invalid'],
  ['header JSON null', () => post(`${b64('null')}.${b64(claims())}.${b64('sig')}`), 401, 'launch_invalid'],
  [
    'payload not UTF-8',
    () => {
      const input = `${b64({ alg: 'HS256' })}.${Buffer.concat([Buffer.from(JSON.stringify(claims()).slice(0, -1)), Buffer.from(',"name":"\xff"}', 'latin1')]).toString('base64url')}`;
      return post(`${input}.${crypto.createHmac('sha256', t.tenant.secret).update(input).digest('base64url')}`);
    },
    401,
    'launch_invalid',
  ],
  ['duplicate sub in the payload', () => post(hsText('{"alg":"HS256"}', JSON.stringify(claims()).replace('{', '{"sub":"admin",'))), 401, 'launch_invalid'],
  ['duplicate alg in the header', () => post(hsText('{"alg":"HS256","alg":"none"}', JSON.stringify(claims()))), 401, 'launch_invalid'],
  ['duplicate iss spelled with an escape', () => post(hsText('{"alg":"HS256"}', JSON.stringify(claims()).replace('{', '{"\\u0069ss":"other-host",'))), 401, 'launch_invalid'],
  ['whitespace inside the token', () => post(hs().replace('.', ' .')), 401, 'launch_invalid'],

  // Malformed requests.
  ['empty jwt form field', async () => outcomeOf(await fetch(`${t.url}/launch`, form('jwt='))), 400, 'validation_failed'],
  ['no jwt form field', async () => outcomeOf(await fetch(`${t.url}/launch`, form('other=1'))), 400, 'validation_failed'],
  ['jwt twice in the form', async () => outcomeOf(await fetch(`${t.url}/launch`, form(`jwt=${hs()}&jwt=${hs()}`))), 400, 'validation_failed'],
  ['jwt twice in the query', async () => outcomeOf(await fetch(`${t.url}/launch?jwt=${hs()}&jwt=${hs()}`)), 400, 'validation_failed'],
  [
    'launch posted as JSON',
    async () => outcomeOf(await fetch(`${t.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jwt: hs() }) })),
    400,
    'validation_failed',
  ],
  ['jwt as a number at /api/session', async () => outcomeOf(await t.api('POST', '/api/session', undefined, { jwt: 42 })), 400, 'validation_failed'],
  [
    '/api/session as a form post',
    async () => outcomeOf(await fetch(`${t.url}/api/session`, form(new URLSearchParams({ jwt: hs() }).toString()))),
    400,
    'validation_failed',
  ],
  ['oversized launch form', async () => outcomeOf(await fetch(`${t.url}/launch`, form(`jwt=${'a'.repeat(100_000)}`))), 413, 'payload_too_large'],
];

describe('a hostile launch', () => {
  it('has at least 40 cases', () => {
    expect(attacks.length).toBeGreaterThanOrEqual(40);
  });

  it.each(attacks.map(([name, run, status, code]) => ({ name, run, status, code })))('$name -> $status $code', async ({ run, status, code }) => {
    expect(await run()).toEqual({ status, code });
  });

  it('never fetched a key URL named in a token header (jku, x5u)', () => {
    expect(attackerJwks.totalHits()).toBe(0);
  });
});

describe('replay', () => {
  it('rejects a launch token whose jti was already used', async () => {
    const token = hs();
    expect((await post(token)).status).toBe(200);
    expect(await post(token)).toEqual({ status: 401, code: 'launch_replayed' });
  });

  it('rejects a token replayed through another door (GET /launch, POST /api/session)', async () => {
    const token = hs();
    expect((await session(token)).status).toBe(200);
    expect(await get(token)).toEqual({ status: 401, code: 'launch_replayed' });
    expect(await session(token)).toEqual({ status: 401, code: 'launch_replayed' });
  });

  it('rejects a new token that reuses a jti', async () => {
    expect((await post(hs({ jti: 'reused' }))).status).toBe(200);
    expect(await post(hs({ jti: 'reused', sub: 'someone-else' }))).toEqual({ status: 401, code: 'launch_replayed' });
  });

  it('keeps jtis per tenant: another tenant may reuse the same jti', async () => {
    expect((await post(hs({ jti: 'shared-jti' }))).status).toBe(200);
    expect((await post(signHs256(claims({ jti: 'shared-jti' }, other.issuer), other.secret))).status).toBe(200);
  });

  it('does not record the jti of a rejected token', async () => {
    expect(await post(hs({ jti: 'rejected-first', aud: 'https://elsewhere.example' }))).toEqual({ status: 401, code: 'launch_invalid' });
    expect((await post(hs({ jti: 'rejected-first' }))).status).toBe(200);
  });
});

describe('tokens of the wrong kind', () => {
  it('rejects a session token posted as a launch token', async () => {
    const { token } = await t.launch();
    expect(await post(token)).toEqual({ status: 401, code: 'launch_invalid' });
    expect(await session(token)).toEqual({ status: 401, code: 'launch_invalid' });
  });
});

describe('the error page', () => {
  /** What the page posts to its parent: the target origins and the message (its inline script's data). */
  const reportOf = (html: string) => {
    const match = /<script nonce="[^"]+">const r=(.*?);if\(parent!==window\)/.exec(html);
    return match ? (JSON.parse(match[1]!) as { targets: string[]; message: Record<string, unknown> }) : null;
  };

  it('shows end users one plain sentence and the code, never the developer detail or the token', async () => {
    const token = hs({ aud: '<b>nope</b>' });
    const response = await fetch(`${t.url}/launch`, form(new URLSearchParams({ jwt: token }).toString()));
    const html = await response.text();
    expect(response.status).toBe(401);
    expect(html).toContain('<code id="error-code">launch_invalid</code>');
    const visible = html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
    expect(visible).toContain('<p>The notes could not be opened here; reloading the page may help.</p>');
    expect(visible).not.toContain('aud');
    expect(html).not.toContain(token);
    expect(html).not.toContain('<b>nope</b>');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
  });

  it('reports the refusal with its detail to the registered origins of the host the token names', async () => {
    const response = await fetch(`${t.url}/launch`, form(new URLSearchParams({ jwt: hs({ exp: 1, iat: 0 }) }).toString()));
    const report = reportOf(await response.text());
    expect(report).toEqual({
      targets: ['https://host.example'],
      message: {
        type: 'notes-widget',
        v: 1,
        kind: 'error',
        code: 'launch_refused',
        serverCode: 'launch_expired',
        message: expect.stringContaining('expired'),
        requestId: response.headers.get('x-request-id'),
      },
    });
  });

  it('reports only the code, to any parent, when no registered host is known', async () => {
    for (const jwt of [hs({ iss: 'nobody-registered' }), 'not-a-token']) {
      const response = await fetch(`${t.url}/launch`, form(new URLSearchParams({ jwt }).toString()));
      const report = reportOf(await response.text())!;
      expect(report.targets).toEqual(['*']);
      expect(report.message.message).toBe(`The widget server refused the launch (${report.message.serverCode}).`);
      expect(['unknown_issuer', 'launch_invalid']).toContain(report.message.serverCode);
    }
  });

  it('posts nothing from a page that is not a launch', async () => {
    const response = await fetch(`${t.url}/nothing-here`, { headers: { Accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(404);
    expect(html).toContain('<code id="error-code">not_found</code>');
    expect(html).not.toContain('<script');
  });
});
