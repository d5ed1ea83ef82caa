// Strict parsing of a compact JWS (RFC 7515 section 7.1) before any key is
// chosen: exactly three base64url segments, JSON objects in header and payload.

export const MAX_TOKEN_LENGTH = 8192;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class MalformedJwt extends Error {}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export function decodeCompactJwt(token: string): DecodedJwt {
  if (token.length === 0) throw new MalformedJwt('the token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new MalformedJwt(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new MalformedJwt('a JWT has three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(s)) {
    throw new MalformedJwt('the token is not base64url encoded');
  }
  if (s.length === 0) throw new MalformedJwt('the token has no signature');
  return { header: parseObject(h, 'header'), payload: parseObject(p, 'payload') };
}

function parseObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedJwt(`the token ${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedJwt(`the token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
