import crypto from 'node:crypto';

// Atlassian Connect's query string hash ("qsh"): SHA-256 hex of the canonical
// request METHOD&canonical-path&canonical-query. Follows the atlassian-jwt npm
// package (what Atlassian hosts and Connect apps compute), so a token minted
// for one URL is accepted for that URL only. Pure: no request objects.

export interface CanonicalRequestInput {
  method: string;
  /** The request path as sent, without the query string. */
  path: string;
  /** The raw query string without the leading "?" ("" when there is none). */
  query: string;
}

/** RFC 3986 unreserved characters stay, everything else is %XX (upper-case hex). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class QueryStringError extends Error {}

/**
 * Parses an application/x-www-form-urlencoded query the way Express/qs do for
 * plain keys: "+" is a space, a key without "=" has the empty value, repeated
 * keys collect their values in order.
 */
export function parseQuery(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  if (query === '') return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    const value = decodeComponent(rawValue);
    const values = params.get(key);
    if (values) values.push(value);
    else params.set(key, [value]);
  }
  return params;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new QueryStringError('the query string has an invalid percent-encoding');
  }
}

function canonicalPath(path: string): string {
  // An "&" in the path must not be confused with the separators of the canonical form.
  let canonical = path.replace(/&/g, '%26');
  if (canonical === '') return '/';
  if (!canonical.startsWith('/')) canonical = `/${canonical}`;
  if (canonical.length > 1 && canonical.endsWith('/')) canonical = canonical.slice(0, -1);
  return canonical;
}

function canonicalQuery(query: string): string {
  const params = parseQuery(query);
  params.delete('jwt');
  // Plain code-unit order, as JavaScript's default sort (atlassian-jwt) gives.
  const keys = [...params.keys()].sort();
  return keys.map((key) => `${encodeRfc3986(key)}=${[...params.get(key)!].sort().map(encodeRfc3986).join(',')}`).join('&');
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  return `${input.method.toUpperCase()}&${canonicalPath(input.path)}&${canonicalQuery(input.query)}`;
}

export function queryStringHash(input: CanonicalRequestInput): string {
  return crypto.createHash('sha256').update(canonicalRequest(input)).digest('hex');
}
