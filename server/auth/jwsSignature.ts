import crypto, { type KeyObject } from 'node:crypto';

// The one signature check for every token we accept: launch tokens (HS256,
// RS256, ES256, EdDSA) and our own session tokens (HS256).
//
// Why node:crypto and not jsonwebtoken: jsonwebtoken has no EdDSA, so it could
// never be the only path, and it parses the token again with its own, looser
// rules after our strict parser (compactJwt.ts) has already taken it apart.
// Here the caller has already chosen the key, and the algorithm registered with
// that key, never the token's header, decides how the signature is checked.
// (jsonwebtoken stays where a host would use it: signing in the harness.)

export type JwsAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export interface JwsKey {
  alg: JwsAlg;
  key: KeyObject;
}

/** HMAC-SHA256 of a JWS signing input, base64url: what HS256 signs with. */
export const hmacSha256 = (signingInput: string, key: KeyObject): string => crypto.createHmac('sha256', key).update(signingInput).digest('base64url');

/**
 * True when `token` (a compact JWS whose last dot is at `lastDot`) is signed by `key`.
 * Only the canonical base64url spelling of a signature is accepted, so a token has one spelling.
 */
export function hasValidJwsSignature(token: string, key: JwsKey, lastDot = token.lastIndexOf('.')): boolean {
  const signingInput = token.slice(0, lastDot);
  const signature = token.slice(lastDot + 1);
  if (key.alg === 'HS256') {
    // Comparing the base64url text in constant time refuses other spellings too.
    const expected = Buffer.from(hmacSha256(signingInput, key.key));
    const given = Buffer.from(signature);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== signature) return false;
  const data = Buffer.from(signingInput);
  try {
    switch (key.alg) {
      // RSASSA-PKCS1-v1_5 (RFC 7518 section 3.3): Node's default padding for an RSA key.
      case 'RS256':
        return crypto.verify('sha256', data, key.key, bytes);
      // JWS carries ECDSA signatures as raw r||s (RFC 7518 section 3.4), not DER.
      case 'ES256':
        return crypto.verify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, bytes);
      case 'EdDSA':
        return crypto.verify(null, data, key.key, bytes);
    }
  } catch {
    // A key of the wrong type for its algorithm, or a malformed signature.
    return false;
  }
}
