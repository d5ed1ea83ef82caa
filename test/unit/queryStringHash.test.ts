import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, QueryStringError, queryStringHash } from '../../server/auth/launch/queryStringHash.ts';

// Vectors published in Atlassian's atlassian-jwt test suite (test/jwt_test.ts).
const HELLO_WORLD_QUERY =
  'lic=none&tz=Australia%2FSydney&cp=%2Fjira&user_key=&loc=en-US&user_id=&jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEzODY5MTEzNTYsImlzcyI6ImppcmE6MTU0ODk1OTUiLCJxc2giOiI4MDYzZmY0Y2ExZTQxZGY3YmM5MGM4YWI2ZDBmNjIwN2Q0OTFjZjZkYWQ3YzY2ZWE3OTdiNDYxNGI3MTkyMmU5IiwiaWF0IjoxMzg2OTExMTc2fQ.rAsxpHv0EvpXkhjnZnSV14EXJgDx3KSQjgYRjfKnFt8&xdm_e=http%3A%2F%2Fstorm%3A2990&xdm_c=channel-servlet-hello-world&xdm_p=1';

describe('queryStringHash matches Atlassian published vectors', () => {
  it('GET /path without a query', () => {
    expect(queryStringHash({ method: 'get', path: '/path', query: '' })).toBe('799be84a7fa35570087163c0cd9af3abff7ac05c2c12ba0bb1d7eebc984b3ac2');
  });

  it('GET / and an empty path hash the same', () => {
    const expected = 'c88caad15a1c1a900b8ac08aa9686f4e8184539bea1deda36e2f649430df3239';
    expect(queryStringHash({ method: 'GET', path: '/', query: '' })).toBe(expected);
    expect(queryStringHash({ method: 'GET', path: '', query: '' })).toBe(expected);
  });

  it('GET with a Connect iframe query, jwt removed', () => {
    expect(queryStringHash({ method: 'GET', path: '/hello-world', query: HELLO_WORLD_QUERY })).toBe('8063ff4ca1e41df7bc90c8ab6d0f6207d491cf6dad7c66ea797b4614b71922e9');
    expect(canonicalRequest({ method: 'GET', path: '/hello-world', query: HELLO_WORLD_QUERY })).toBe(
      'GET&/hello-world&cp=%2Fjira&lic=none&loc=en-US&tz=Australia%2FSydney&user_id=&user_key=&xdm_c=channel-servlet-hello-world&xdm_e=http%3A%2F%2Fstorm%3A2990&xdm_p=1',
    );
  });

  it('POST without a query ignores the body', () => {
    expect(queryStringHash({ method: 'post', path: '/hello-world', query: '' })).toBe('6f95f3738e1b037a3bebbe0ad237d80fdbc1d5ae452e98ce03a9c004c178ebb4');
  });

  it('sorts keys, sorts and joins repeated values with ","', () => {
    expect(canonicalRequest({ method: 'get', path: '/path/to/service', query: 'zee_last=param&repeated=parameter+1&first=param&repeated=parameter%202&repeated=Parameter%202' })).toBe(
      'GET&/path/to/service&first=param&repeated=Parameter%202,parameter%201,parameter%202&zee_last=param',
    );
  });

  it('gives valueless parameters an empty value', () => {
    expect(canonicalRequest({ method: 'get', path: '/hello-world', query: 'a&b=foo&c' })).toBe('GET&/hello-world&a=&b=foo&c=');
  });

  it('encodes "&" in the path so path and query cannot be traded', () => {
    expect(canonicalRequest({ method: 'post', path: '/rest/api/2/project&a=b&c=d', query: 'x=y' })).toBe('POST&/rest/api/2/project%26a=b%26c=d&x=y');
    expect(queryStringHash({ method: 'POST', path: '/rest/api/2/project&a=b', query: 'x=y' })).not.toBe(queryStringHash({ method: 'POST', path: '/rest/api/2/project', query: 'a=b&x=y' }));
  });
});

// A second, independent canonicalisation: UTF-8 bytes encoded one by one, and
// URLSearchParams for parsing, so a shared bug in both is unlikely.
function referenceEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function referenceQsh(method: string, path: string, query: string): string {
  const grouped: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    if (k !== 'jwt') (grouped[k] ??= []).push(v);
  }
  const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const q = Object.keys(grouped)
    .sort(byCodeUnit)
    .map((k) => `${referenceEncode(k)}=${grouped[k]!.sort(byCodeUnit).map(referenceEncode).join(',')}`)
    .join('&');
  let p = path === '' ? '/' : path.split('&').join('%26');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return crypto.createHash('sha256').update(`${method.toUpperCase()}&${p}&${q}`).digest('hex');
}

describe('queryStringHash agrees with an independent implementation', () => {
  const cases: Array<[string, string, string]> = [
    ['POST', '/launch', ''],
    ['GET', '/launch', 'jwt=abc'],
    ['GET', '/launch', 'b=2&a=1&jwt=x.y.z'],
    ['GET', '/launch/', 'space=a+b&pct=100%25&star=*&paren=(x)&bang=!&quote=%27'],
    ['GET', '/launch', 'unicode=%C3%A9t%C3%A9&emoji=%F0%9F%98%80&tilde=~'],
    ['GET', '/launch', 'k=z&k=a&k=M&K=1'],
    ['POST', '/api/session', 'ctx=page%3A42&lang=en-US'],
  ];
  it.each(cases)('%s %s?%s', (method, path, query) => {
    expect(queryStringHash({ method, path, query })).toBe(referenceQsh(method, path, query));
  });

  it('refuses a query with broken percent-encoding', () => {
    expect(() => queryStringHash({ method: 'GET', path: '/launch', query: 'a=%E0%A4%A' })).toThrow(QueryStringError);
  });
});
