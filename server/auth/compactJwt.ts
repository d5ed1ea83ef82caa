// Strict parsing of a compact JWS (RFC 7515 section 7.1) before any key is
// chosen: exactly three canonical base64url segments, UTF-8 JSON objects in
// header and payload, no member name twice.

export const MAX_TOKEN_LENGTH = 8192;

/**
 * The `typ` of our own session tokens. Launch verification refuses it and
 * session verification requires it, so the two kinds never pass for each other.
 */
export const SESSION_TOKEN_TYPE = 'widget-session+jwt';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class MalformedJwt extends Error {}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeCompactJwt(token: string): DecodedJwt {
  if (token.length === 0) throw new MalformedJwt('the token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new MalformedJwt(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new MalformedJwt('a JWT has three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  if (s.length === 0) throw new MalformedJwt('the token has no signature');
  const [header, payload] = [canonicalBytes(h), canonicalBytes(p), canonicalBytes(s)];
  return { header: parseObject(header, 'header'), payload: parseObject(payload, 'payload') };
}

/** One header or payload segment, with the same checks as decodeCompactJwt. */
export function decodeJsonSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  return parseObject(canonicalBytes(segment), what);
}

/**
 * Node's decoder skips stray characters and ignores non-zero trailing bits, so
 * two different strings could decode to the same bytes. Only the one encoding
 * an honest encoder produces is accepted: a token has exactly one spelling.
 */
function canonicalBytes(segment: string): Buffer {
  if (BASE64URL.test(segment) && segment.length % 4 !== 1) {
    const bytes = Buffer.from(segment, 'base64url');
    if (bytes.toString('base64url') === segment) return bytes;
  }
  throw new MalformedJwt('the token is not base64url encoded (RFC 7515: unpadded, URL-safe alphabet)');
}

function parseObject(bytes: Buffer, what: string): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new MalformedJwt(`the token ${what} is not valid UTF-8 JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedJwt(`the token ${what} is not a JSON object`);
  }
  const duplicate = findDuplicateMember(text);
  if (duplicate !== null) {
    // RFC 7515 section 5.2 and RFC 7519 section 4: parsers disagree on which copy
    // wins, so a token that means two things to two parsers is refused outright.
    throw new MalformedJwt(`the token ${what} has the member "${duplicate.slice(0, 40)}" twice`);
  }
  return value as Record<string, unknown>;
}

/**
 * Returns the first member name that occurs twice in one object, at any depth.
 * `json` must already have passed JSON.parse, so only strings, brackets and the
 * colon after a member name need attention here.
 */
export function findDuplicateMember(json: string): string | null {
  // One entry per open bracket: the member names seen so far, or null for an array.
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  while (i < json.length) {
    const c = json[i]!;
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const raw = json.slice(i, end + 1);
      i = end + 1;
      while (i < json.length && ' \t\r\n'.includes(json[i]!)) i++;
      const names = stack[stack.length - 1];
      if (json[i] === ':' && names) {
        // Compare decoded names: "sub" and "s\u0075b" are the same member.
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (names.has(name)) return name;
        names.add(name);
      }
      continue;
    }
    i++;
  }
  return null;
}
