import { v4 as uuidv4 } from 'uuid';
import { WidgetError } from '../../errors.ts';
import { decodeCompactJwt, decodeJsonSegment, MalformedJwt, MAX_TOKEN_LENGTH, SESSION_TOKEN_TYPE } from '../compactJwt.ts';
import { hasValidJwsSignature, hmacSha256 } from '../jwsSignature.ts';
import type { RingKey, SessionKeyRing } from './sessionKeyRing.ts';

// Session tokens: what the widget sends on every API call. HS256 under our own
// key ring, typed so that they can never pass as launch tokens and vice versa.

export interface SessionClaims {
  iss: string;
  aud: string;
  sub: string; // user UUID
  tid: string; // tenant UUID
  ctx: string;
  sid: string;
  iat: number;
  exp: number;
  jti: string;
}

export interface SessionTokenRules {
  issuer: string;
  audience: string;
  ttl: number;
  clockSkew: number;
}

export interface IssuedSessionToken {
  token: string;
  claims: SessionClaims;
}

export function issueSessionToken(
  ring: SessionKeyRing,
  subject: Pick<SessionClaims, 'sub' | 'tid' | 'ctx' | 'sid'>,
  nowSec: number,
  rules: SessionTokenRules,
  /** Never past the session's absolute end. */
  notAfterSec = Number.POSITIVE_INFINITY,
): IssuedSessionToken {
  const signing = ring.signingKey();
  const claims: SessionClaims = {
    iss: rules.issuer,
    aud: rules.audience,
    sub: subject.sub,
    tid: subject.tid,
    ctx: subject.ctx,
    sid: subject.sid,
    iat: nowSec,
    exp: Math.min(nowSec + rules.ttl, notAfterSec),
    jti: uuidv4(),
  };
  const header = { alg: 'HS256', typ: SESSION_TOKEN_TYPE, kid: signing.kid };
  const input = `${b64json(header)}.${b64json(claims)}`;
  return { token: `${input}.${hmacSha256(input, signing.key)}`, claims };
}

const b64json = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const invalid = (message: string) => new WidgetError('token_invalid', message);

const STRING_CLAIMS = ['iss', 'aud', 'sub', 'tid', 'ctx', 'sid', 'jti'] as const;

/**
 * Header segments of tokens that passed the full check, mapped to their kid.
 * Every token this server signs with one key carries the same header bytes, so
 * decoding them again on every API call only repeats a known answer.
 * Filled only after a signature verified, so nobody else can add to it.
 */
const knownHeaders = new Map<string, string>();
const MAX_KNOWN_HEADERS = 64;

/**
 * Payload segments of recent tokens whose signature verified, decoded. A widget
 * sends one token on every call until it refreshes, and the strict decode gives
 * the same object each time (without this, GET /api/me cost 51-56 us against
 * 41-44: docs/benchmark.md). The signature and every claim, expiry included,
 * are still checked on every call. One slot per 10 bits of the signature (an
 * HMAC: random bits), overwritten by the next token that lands there: no
 * hashing, no eviction, so a token's first call costs next to nothing more.
 */
const PAYLOAD_SLOTS = 1024;
const slotSegments: Array<string | undefined> = new Array(PAYLOAD_SLOTS);
const slotPayloads: Array<Readonly<Record<string, unknown>> | undefined> = new Array(PAYLOAD_SLOTS);
// Two base64url characters of the signature, each 6 random bits in its low bits.
const slotOf = (token: string, signatureAt: number) => ((token.charCodeAt(signatureAt) << 5) ^ token.charCodeAt(signatureAt + 1)) & (PAYLOAD_SLOTS - 1);

export async function verifySessionToken(
  token: string,
  ring: SessionKeyRing,
  nowSec: number,
  rules: Omit<SessionTokenRules, 'ttl'>,
): Promise<SessionClaims> {
  return verifyOwnHeader(token, ring, nowSec, rules) ?? verifyStrictly(token, ring, nowSec, rules);
}

/**
 * The common case, every API call: a header we have verified before, signed by
 * a key we hold. Anything unusual (a new header, a bad signature, a payload
 * that is not an object) returns null and goes through the strict path, which
 * then gives exactly the answer it always gave.
 */
function verifyOwnHeader(token: string, ring: SessionKeyRing, nowSec: number, rules: Omit<SessionTokenRules, 'ttl'>): SessionClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  if (first <= 0 || token.indexOf('.', first + 1) !== last) return null;
  const kid = knownHeaders.get(token.slice(0, first));
  const key = kid === undefined ? undefined : ring.knownKey(kid);
  if (!key) return null;

  if (!hasValidJwsSignature(token, { alg: 'HS256', key: key.key }, last)) return null;

  const segment = token.slice(first + 1, last);
  const slot = slotOf(token, last + 1);
  let payload = slotSegments[slot] === segment ? slotPayloads[slot] : undefined;
  if (!payload) {
    try {
      // Frozen: every later call with this token shares the object.
      payload = Object.freeze(decodeJsonSegment(segment, 'payload'));
    } catch (err) {
      if (err instanceof MalformedJwt) return null;
      throw err;
    }
    slotSegments[slot] = segment;
    slotPayloads[slot] = payload;
  }
  return checkClaims(payload, key, nowSec, rules);
}

async function verifyStrictly(token: string, ring: SessionKeyRing, nowSec: number, rules: Omit<SessionTokenRules, 'ttl'>): Promise<SessionClaims> {
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    ({ header, payload } = decodeCompactJwt(token));
  } catch (err) {
    if (err instanceof MalformedJwt) throw invalid(`The token is malformed: ${err.message}.`);
    throw err;
  }
  if (header.typ !== SESSION_TOKEN_TYPE) throw invalid('This is not a widget session token.');
  if (header.alg !== 'HS256') throw invalid('The token algorithm is not accepted.');
  if (typeof header.kid !== 'string') throw invalid('The token has no key id.');

  const key = await ring.verificationKey(header.kid);
  if (!key) throw invalid('The token was signed by an unknown key.');

  if (!hasValidJwsSignature(token, { alg: 'HS256', key: key.key })) throw invalid('The token signature is invalid.');

  const headerSegment = token.slice(0, token.indexOf('.'));
  if (!knownHeaders.has(headerSegment)) {
    if (knownHeaders.size >= MAX_KNOWN_HEADERS) knownHeaders.clear();
    knownHeaders.set(headerSegment, header.kid);
  }
  return checkClaims(payload, key, nowSec, rules);
}

function checkClaims(payload: Readonly<Record<string, unknown>>, key: RingKey, nowSec: number, rules: Omit<SessionTokenRules, 'ttl'>): SessionClaims {
  for (const claim of STRING_CLAIMS) {
    if (typeof payload[claim] !== 'string') throw invalid(`The token has no "${claim}" claim.`);
  }
  if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') throw invalid('The token has no validity period.');
  if (payload.iss !== rules.issuer || payload.aud !== rules.audience) throw invalid('The token was not issued for this API.');
  // A key retired long ago cannot vouch for a token it could not have signed recently.
  if (key.retiredAt !== null && payload.iat * 1000 > key.retiredAt + rules.clockSkew * 1000) {
    throw invalid('The token was signed by a retired key.');
  }
  if (nowSec > payload.exp + rules.clockSkew) throw new WidgetError('token_expired', 'The session token has expired; refresh it.');
  return payload as unknown as SessionClaims;
}
