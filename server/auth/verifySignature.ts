import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { VerificationKey } from './verificationKey.ts';

/**
 * Checks the JWS signature with the key's own algorithm only. Claims are
 * checked elsewhere (launchClaims.ts), so expiry and not-before are skipped here.
 * jsonwebtoken has no EdDSA, so Ed25519 goes straight to node:crypto.
 */
export function hasValidSignature(token: string, key: VerificationKey): boolean {
  if (key.alg === 'EdDSA') {
    const [h, p, s] = token.split('.') as [string, string, string];
    try {
      return crypto.verify(null, Buffer.from(`${h}.${p}`), key.key, Buffer.from(s, 'base64url'));
    } catch {
      return false;
    }
  }
  try {
    jwt.verify(token, key.key, { algorithms: [key.alg], ignoreExpiration: true, ignoreNotBefore: true });
    return true;
  } catch {
    return false;
  }
}
