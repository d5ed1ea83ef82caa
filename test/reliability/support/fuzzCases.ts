import crypto from 'node:crypto';
import { signHs256 } from '../../../support/signJwt.ts';
import { buildRequest, type HeaderList } from './rawHttp.ts';
import type { Random } from './seededRandom.ts';

// Seeded generators of hostile requests. Each case is a complete HTTP/1.1
// request (or deliberately not one), derived only from the Random it is given,
// so a failing case is replayed from its seed and index.

export interface FuzzTarget {
  audience: string;
  issuer: string;
  tenantSecret: string;
  /** A valid bearer token, so that mutations start from something the server accepts. */
  sessionToken: string;
  /** The server's own session-signing key, to re-sign session tokens with mutated claims. */
  sessionKey: { kid: string; secret: Buffer };
  sessionClaims: Record<string, unknown>;
  noteId: string;
  nowSec(): number;
}

export interface FuzzCase {
  family: string;
  bytes: Buffer;
}

// Lone surrogates would make encodeURIComponent throw; UTF-8 round-tripping replaces them.
const encodeText = (text: string) => encodeURIComponent(Buffer.from(text).toString());
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// ---- primitive values ------------------------------------------------------

/** A UUID v4 drawn from the seeded generator (crypto.randomUUID would break replay). */
export function seededUuid(r: Random): string {
  const b = r.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const EDGE_STRINGS = [
  '',
  ' ',
  'null',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '😀',
  '\u202e\u2066',
  '<script>alert(1)</script>',
  '"\'\\',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  'x'.repeat(256),
  'é'.repeat(300),
  '__proto__',
  'constructor',
  'dev-harness',
];

const EDGE_NUMBERS = [0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, -0, 1e-7, 4102444800, 1700000000.9];

function randomText(r: Random, max = 40): string {
  const length = r.int(max + 1);
  let out = '';
  for (let i = 0; i < length; i++) {
    const kind = r.int(6);
    if (kind < 3) out += String.fromCharCode(0x20 + r.int(95));
    else if (kind === 3) out += String.fromCharCode(r.int(0x80));
    else if (kind === 4) out += String.fromCharCode(0x80 + r.int(0x780));
    else out += String.fromCodePoint(r.chance(0.2) ? 0xd800 + r.int(0x800) : 0x1f300 + r.int(0x300));
  }
  return out;
}

export function randomJsonValue(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.chance(0.5) ? r.pick(EDGE_NUMBERS) : r.int(2 ** 31) - 2 ** 30;
    case 3:
      return r.pick(EDGE_STRINGS);
    case 4:
      return randomText(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJsonValue(r, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) out[r.chance(0.3) ? r.pick(['__proto__', 'constructor', 'body', 'jwt', 'toString']) : randomText(r, 8)] = randomJsonValue(r, depth + 1);
      return out;
    }
  }
}

/** JSON text, sometimes made invalid or hostile at the byte level. */
function randomJsonBytes(r: Random, value: unknown): Buffer {
  const text = JSON.stringify(value) ?? 'null';
  switch (r.int(9)) {
    case 0:
      return Buffer.from(`${'['.repeat(15_000)}${']'.repeat(15_000)}`); // deep nesting, under the 32 KB limit
    case 1:
      return Buffer.concat([Buffer.from('{"body":"'), r.bytes(1 + r.int(40)), Buffer.from('"}')]); // invalid UTF-8
    case 2:
      return Buffer.from(`\ufeff${text}`); // BOM
    case 3:
      return Buffer.from(text.slice(0, r.int(text.length + 1))); // truncated
    case 4:
      return Buffer.from(`${text}${text}`);
    case 5:
      return Buffer.from(`{"body":"${'\\ud800'.repeat(1 + r.int(3))}"}`); // lone surrogate escapes
    case 6:
      return Buffer.from(JSON.stringify({ body: 'x'.repeat(31_000 + r.int(3000)) })); // around the 32 KB limit
    default:
      return Buffer.from(text);
  }
}

// ---- string mutation ---------------------------------------------------------

export function mutate(r: Random, input: string): string {
  let s = input;
  for (let rounds = 1 + r.int(3); rounds > 0; rounds--) {
    const at = r.int(s.length + 1);
    switch (r.int(11)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(r.int(256)) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + r.bytes(1 + r.int(8)).toString('latin1') + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + r.int(20));
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4:
        s = s + s.slice(at);
        break;
      case 5:
        s = s.split('.').reverse().join('.');
        break;
      case 6:
        s = s.replace(/\./g, r.pick(['', '..', '.x.', '%2e']));
        break;
      case 7:
        s = r.chance(0.5) ? s.toUpperCase() : s.toLowerCase();
        break;
      case 8:
        s = s.slice(0, at) + r.pick(['=', '==', '+', '/', ' ', '%', '%zz', '\t', '\u00ff', '\u0000']) + s.slice(at);
        break;
      case 9:
        s = s.repeat(2 + r.int(4));
        break;
      default: {
        const parts = s.split('.');
        const i = r.int(parts.length);
        parts[i] = b64(randomText(r, 60));
        s = parts.join('.');
      }
    }
  }
  return s === input ? `${s}x` : s;
}

// ---- tokens --------------------------------------------------------------------

function hmacToken(header: Record<string, unknown>, claims: Record<string, unknown>, key: string | Buffer): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
}

const HEADER_MUTATIONS: Array<(r: Random) => Record<string, unknown>> = [
  (r) => ({ alg: r.pick(['none', 'None', 'HS512', 'RS256', 'ES256', 'EdDSA', 'hs256', '', 'HS256 ']) }),
  (r) => ({ kid: randomJsonValue(r) }),
  (r) => ({ kid: 'k'.repeat(200 + r.int(200)) }),
  (r) => ({ typ: r.pick(['widget-session+jwt', 'JWT', 'jwt', 'at+jwt', '']) }),
  (r) => ({ crit: [r.pick(['exp', 'b64', 'x'])] }),
  (r) => ({ jku: r.pick(['http://127.0.0.1:1/jwks', 'file:///etc/passwd']), x5u: 'http://127.0.0.1:1/x' }),
  (r) => ({ b64: false, [randomText(r, 6)]: randomJsonValue(r) }),
];

/** A launch token with mutated claims or header, properly signed with the tenant's secret. */
function resignedLaunchToken(r: Random, t: FuzzTarget): string {
  const now = t.nowSec();
  const claims: Record<string, unknown> = { iss: t.issuer, aud: t.audience, sub: `fuzz-${r.int(50)}`, iat: now, exp: now + 60, jti: seededUuid(r), ctx: 'page:fuzz', name: 'Fuzz' };
  for (const claim of [...Object.keys(claims), 'nbf', 'qsh', 'tid', 'sid']) {
    if (!r.chance(0.25)) continue;
    if (r.chance(0.2)) delete claims[claim];
    else claims[claim] = r.chance(0.5) ? randomJsonValue(r) : r.pick([...EDGE_STRINGS, ...EDGE_NUMBERS]);
  }
  const header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' };
  if (r.chance(0.3)) Object.assign(header, r.pick(HEADER_MUTATIONS)(r));
  return hmacToken(header, claims, r.chance(0.9) ? t.tenantSecret : randomText(r));
}

function launchTokenCandidate(r: Random, t: FuzzTarget): string {
  switch (r.int(6)) {
    case 0:
      return resignedLaunchToken(r, t);
    case 1:
      return resignedLaunchToken(r, t);
    case 2:
      return mutate(r, signHs256({ iss: t.issuer, aud: t.audience, sub: 'fuzz', iat: t.nowSec(), exp: t.nowSec() + 60, jti: seededUuid(r) }, t.tenantSecret));
    case 3:
      // Segments that decode to invalid UTF-8 or to JSON with a member twice.
      return `${r.chance(0.5) ? r.bytes(20).toString('base64url') : b64('{"alg":"HS256","alg":"none"}')}.${b64(`{"iss":"${t.issuer}","iss":"x"}`)}.${r.bytes(32).toString('base64url')}`;
    case 4:
      return r.bytes(r.int(12_000)).toString(r.pick(['base64url', 'latin1', 'hex']));
    default:
      return randomText(r, 200);
  }
}

function sessionTokenCandidate(r: Random, t: FuzzTarget): string {
  switch (r.int(4)) {
    case 0: {
      // Correctly signed by the server's own key, with claims it never issued.
      const claims = { ...t.sessionClaims };
      for (const claim of Object.keys(claims)) {
        if (r.chance(0.3)) claims[claim] = r.chance(0.5) ? randomJsonValue(r) : r.pick([...EDGE_STRINGS, ...EDGE_NUMBERS]);
      }
      const header: Record<string, unknown> = { alg: 'HS256', typ: 'widget-session+jwt', kid: t.sessionKey.kid };
      if (r.chance(0.3)) Object.assign(header, r.pick(HEADER_MUTATIONS)(r));
      return hmacToken(header, claims, t.sessionKey.secret);
    }
    case 1:
      return launchTokenCandidate(r, t);
    default:
      return mutate(r, t.sessionToken);
  }
}

// ---- requests --------------------------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'MKCOL', 'PURGE', 'LINK', 'M-SEARCH', 'get', 'QUERY', 'X'.repeat(30)];
const PATH_PARTS = ['', 'api', 'notes', 'me', 'session', 'refresh', 'logout', 'launch', 'healthz', 'assets', 'sdk', 'embed.js', '..', '.', '%2e%2e', '%00', '%ff', '%E0%A4%A', '%', 'index.html', '😀', 'a;b', 'x?y', '%2F'];
const API_ROUTES: Array<[string, string]> = [
  ['GET', '/api/me'],
  ['GET', '/api/notes'],
  ['POST', '/api/notes'],
  ['POST', '/api/session/refresh'],
  ['PATCH', '/api/notes/:id'],
  ['DELETE', '/api/notes/:id'],
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json, text/html',
  ';;;=',
  'application/*',
  '*/*',
  'application/json; charset="',
  '',
];

function randomPath(r: Random, t: FuzzTarget): string {
  const segments = Array.from({ length: 1 + r.int(5) }, () => (r.chance(0.15) ? (r.chance(0.5) ? t.noteId : seededUuid(r)) : r.chance(0.2) ? encodeText(randomText(r, 12)) : r.pick(PATH_PARTS)));
  let path = `/${segments.join('/')}`;
  if (r.chance(0.1)) path = path.replace(/\//g, '//');
  if (r.chance(0.05)) path = `/${'a/'.repeat(2000 + r.int(6000))}`;
  return path;
}

function randomQuery(r: Random, t: FuzzTarget): string {
  const keys = ['limit', 'before', 'jwt', 'theme', '__proto__', 'constructor[prototype]', 'a[]', 'limit', randomText(r, 6)];
  const values = () =>
    r.pick([
      String(r.int(200) - 50),
      '1e3',
      '0x10',
      '',
      Buffer.from(`${r.int(2 ** 31)}.${seededUuid(r)}`).toString('base64url'),
      Buffer.from(`${'9'.repeat(20)}.${seededUuid(r)}`).toString('base64url'),
      encodeText(randomText(r, 20)),
      '%E0%A4%A',
      '%zz',
      launchTokenCandidate(r, t),
    ]);
  return Array.from({ length: r.int(6) }, () => `${r.pick(keys)}=${values()}`).join(r.pick(['&', '&', ';', '&&']));
}

const bearer = (r: Random, token: string) => `${r.pick(['Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer:', 'Token', ''])}${r.pick([' ', '  ', '\t', ''])}${token}`;

function apiRoute(r: Random, t: FuzzTarget): { method: string; path: string } {
  const [method, path] = r.pick(API_ROUTES);
  return { method, path: path.replace(':id', r.chance(0.7) ? t.noteId : seededUuid(r)) };
}

const families: Record<string, (r: Random, t: FuzzTarget) => Buffer> = {
  authorization(r, t) {
    const { method, path } = apiRoute(r, t);
    const value = r.chance(0.85) ? bearer(r, sessionTokenCandidate(r, t)) : r.bytes(1 + r.int(200)).toString('latin1').replace(/[\r\n]/g, '');
    const headers: HeaderList = [['Authorization', value]];
    if (r.chance(0.1)) headers.push(['Authorization', bearer(r, t.sessionToken)]); // sent twice
    const body = method === 'POST' || method === 'PATCH' ? JSON.stringify({ body: randomText(r) || 'x' }) : undefined;
    if (body) headers.push(['Content-Type', 'application/json']);
    return buildRequest({ method, target: path, headers, body });
  },

  launchForm(r, t) {
    const jwt = launchTokenCandidate(r, t);
    const fields = [`jwt=${r.chance(0.7) ? encodeText(jwt) : jwt}`];
    if (r.chance(0.15)) fields.push(`jwt=${encodeText(launchTokenCandidate(r, t))}`);
    if (r.chance(0.3)) fields.push(`theme=${encodeText(JSON.stringify(randomJsonValue(r)) ?? "")}`);
    if (r.chance(0.1)) fields.push(`${randomText(r, 5)}=${randomText(r, 5)}`);
    const body = Buffer.from(fields.join(r.pick(['&', '&', ';'])), r.chance(0.9) ? 'utf8' : 'latin1');
    const contentType = r.chance(0.85) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES);
    return buildRequest({ method: 'POST', target: r.chance(0.9) ? '/launch' : `/launch?${randomQuery(r, t)}`, headers: [['Content-Type', contentType]], body });
  },

  launchQuery(r, t) {
    const jwt = launchTokenCandidate(r, t);
    const query = [`jwt=${r.chance(0.6) ? encodeText(jwt) : jwt.replace(/[\s]/g, '')}`];
    if (r.chance(0.3)) query.push(randomQuery(r, t));
    return buildRequest({ method: r.chance(0.9) ? 'GET' : 'HEAD', target: Buffer.from(`/launch?${query.join('&')}`, 'latin1') });
  },

  launchJson(r, t) {
    const jwt: unknown = r.chance(0.8) ? launchTokenCandidate(r, t) : randomJsonValue(r);
    const value = r.chance(0.8) ? { jwt } : randomJsonValue(r);
    return buildRequest({ method: 'POST', target: '/api/session', headers: [['Content-Type', r.chance(0.85) ? 'application/json' : r.pick(CONTENT_TYPES)]], body: randomJsonBytes(r, value) });
  },

  jsonBody(r, t) {
    const patch = r.chance(0.4);
    const value = r.chance(0.6) ? { body: r.chance(0.5) ? randomText(r, 200) : randomJsonValue(r) } : randomJsonValue(r);
    const headers: HeaderList = [['Authorization', `Bearer ${t.sessionToken}`], ['Content-Type', r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES)]];
    return buildRequest({ method: patch ? 'PATCH' : 'POST', target: patch ? `/api/notes/${t.noteId}` : '/api/notes', headers, body: randomJsonBytes(r, value) });
  },

  pathAndQuery(r, t) {
    const query = r.chance(0.6) ? `?${randomQuery(r, t)}` : '';
    const target = Buffer.from(`${randomPath(r, t)}${query}`, r.chance(0.85) ? 'utf8' : 'latin1');
    const headers: HeaderList = r.chance(0.6) ? [['Authorization', `Bearer ${t.sessionToken}`]] : [];
    const method = r.chance(0.6) ? 'GET' : r.pick(METHODS);
    return buildRequest({ method, target, headers, body: method === 'GET' || method === 'HEAD' ? undefined : '{}' });
  },

  methods(r, t) {
    const method = r.chance(0.8) ? r.pick(METHODS) : r.bytes(1 + r.int(10)).toString('latin1').replace(/[\s]/g, 'A');
    const target = r.pick(['/', '/launch', '/healthz', '/api/notes', '/api/session', '/api/me', `/api/notes/${t.noteId}`, '/sdk/embed.js', '*', 'http://127.0.0.1/healthz', '127.0.0.1:80']);
    return buildRequest({ method, target, headers: r.chance(0.5) ? [['Authorization', `Bearer ${t.sessionToken}`]] : [], body: r.chance(0.5) ? '{"body":"m"}' : undefined });
  },

  hugeHeaders(r, t) {
    const headers: HeaderList = [];
    switch (r.int(5)) {
      case 0:
        headers.push(['X-Big', 'a'.repeat(8_000 + r.int(30_000))]);
        break;
      case 1:
        for (let i = 1000 + r.int(3000); i > 0; i--) headers.push([`X-${i}`, 'v']);
        break;
      case 2:
        headers.push(['Authorization', `Bearer ${t.sessionToken}${'A'.repeat(8_000 + r.int(12_000))}`]);
        break;
      case 3:
        headers.push([`X-${'n'.repeat(10_000 + r.int(10_000))}`, '1']);
        break;
      default:
        headers.push(['Cookie', `session=${'c'.repeat(4_000 + r.int(20_000))}`], ['Authorization', `Bearer ${t.sessionToken}`]);
    }
    return buildRequest({ method: r.pick(['GET', 'POST']), target: r.pick(['/api/me', '/launch', '/healthz', '/api/notes']), headers, body: '{}' });
  },

  headerBytes(r, t) {
    // Raw bytes inside header names and values: NUL, obs-fold, bare CR, UTF-8 and invalid UTF-8.
    const junk = r.pick([
      () => r.bytes(1 + r.int(30)).toString('latin1'),
      () => Buffer.from(randomText(r, 30)).toString('latin1'),
      () => 'a\r\n b',
      () => 'a\rb',
      () => 'a\u0000b',
      () => '\u00ff\u00fe',
    ])();
    const headers: HeaderList = [r.chance(0.5) ? ['X-Junk', junk] : [junk.replace(/[:\r\n]/g, '') || 'Empty', 'v'], ['Authorization', `Bearer ${t.sessionToken}`]];
    if (r.chance(0.3)) headers.push(['Host', randomText(r, 20)]);
    if (r.chance(0.2)) headers.push(['X-Forwarded-For', randomText(r, 30)]);
    return buildRequest({ method: r.pick(['GET', 'POST']), target: r.pick(['/api/me', '/api/notes', '/launch']), headers, body: '{"body":"h"}' });
  },

  contentTypes(r, t) {
    const route = r.pick([['/api/notes', true], ['/api/session', false], ['/launch', false]] as const);
    const headers: HeaderList = route[1] ? [['Authorization', `Bearer ${t.sessionToken}`]] : [];
    headers.push(['Content-Type', r.chance(0.8) ? r.pick(CONTENT_TYPES) : randomText(r, 40).replace(/[\r\n]/g, '')]);
    if (r.chance(0.3)) headers.push(['Content-Encoding', r.pick(['gzip', 'br', 'deflate', 'identity', 'x'])]);
    const body = r.chance(0.5) ? Buffer.from(JSON.stringify({ body: 'typed', jwt: 'x.y.z' })) : r.bytes(r.int(3000));
    return buildRequest({ method: 'POST', target: route[0], headers, body });
  },

  framing(r, t) {
    const json = '{"body":"framed"}';
    const headers: HeaderList = [['Authorization', `Bearer ${t.sessionToken}`], ['Content-Type', 'application/json']];
    switch (r.int(6)) {
      case 0: {
        // Valid chunked body, split at random points.
        const pieces: string[] = [];
        for (let rest = json; rest.length > 0; ) {
          const n = 1 + r.int(rest.length);
          pieces.push(`${n.toString(16)}\r\n${rest.slice(0, n)}\r\n`);
          rest = rest.slice(n);
        }
        return buildRequest({ method: 'POST', target: '/api/notes', headers: [...headers, ['Transfer-Encoding', 'chunked']], body: `${pieces.join('')}0\r\n\r\n`, contentLength: 'none' });
      }
      case 1:
        return buildRequest({ method: 'POST', target: '/api/notes', headers: [...headers, ['Transfer-Encoding', 'chunked']], body: `${r.pick(['zz', '-1', '0x5', ' 5'])}\r\n${json}\r\n0\r\n\r\n`, contentLength: 'none' });
      case 2:
        return buildRequest({ method: 'POST', target: '/api/notes', headers: [...headers, ['Transfer-Encoding', 'chunked']], body: `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n` });
      case 3:
        return buildRequest({ method: 'POST', target: '/api/notes', headers: [...headers, ['Content-Length', r.pick(['-1', 'abc', '1e3', '17, 18', ' '])]], body: json, contentLength: 'none' });
      case 4:
        return buildRequest({ method: 'POST', target: '/api/notes', headers, body: `${json}${r.bytes(r.int(100)).toString('latin1')}`, contentLength: json.length });
      default:
        return buildRequest({ method: 'POST', target: '/api/notes', headers: [...headers, ['Transfer-Encoding', r.pick(['gzip', 'chunked, gzip', 'identity', 'chunked\u0000'])]], body: json, contentLength: 'none' });
    }
  },

  rawBytes(r) {
    return r.pick([
      () => r.bytes(1 + r.int(2000)),
      () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      () => Buffer.from(`GET /healthz ${r.pick(['HTTP/9.9', 'HTTP/1.1 x', 'HTTP/0.9', 'HTTPS/1.1', 'HTTP/1'])}\r\nHost: x\r\nConnection: close\r\n\r\n`),
      () => Buffer.from('GET /healthz\r\n\r\n'),
      () => Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`.replace(/\r\n/g, r.pick(['\n', '\r', '\r\r\n']))),
      () => Buffer.concat([Buffer.from('GET /'), r.bytes(1 + r.int(50)), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]),
    ])();
  },
};

export const FUZZ_FAMILIES = Object.keys(families);

export function fuzzCase(r: Random, target: FuzzTarget): FuzzCase {
  const family = r.pick(FUZZ_FAMILIES);
  return { family, bytes: families[family]!(r, target) };
}
