import crypto, { type KeyObject } from 'node:crypto';
import type { AsymmetricAlg, LaunchAlg } from '../../../contract/launch.ts';
import type { StoredTenantKey } from '../../db/tenantKeys.ts';
import type { JwsKey } from '../jwsSignature.ts';

// A tenant's registered key, turned into a KeyObject once. The algorithm is a
// property of the key, fixed at registration: a token is only ever checked with
// it, whatever its header asks for.

export interface VerificationKey extends JwsKey {
  id: string;
  kid: string | null;
  alg: LaunchAlg;
}

export const MIN_SECRET_BYTES = 32;

export class KeyMaterialError extends Error {}

/**
 * The shared secret is used as-is, as its UTF-8 bytes, the way host JWT
 * libraries (PyJWT, ruby-jwt, jsonwebtoken, atlassian-jwt) treat a string key.
 * We generate it from 32 random bytes, so its 43 characters carry 256 bits.
 */
export function secretKeyFrom(secret: string): KeyObject {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new KeyMaterialError(`an HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return crypto.createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Parses a public key and checks that it can only mean the registered algorithm. */
export function publicKeyFor(alg: AsymmetricAlg, input: string | crypto.JsonWebKey): KeyObject {
  let key: KeyObject;
  try {
    key = typeof input === 'string' ? crypto.createPublicKey(input) : crypto.createPublicKey({ key: input, format: 'jwk' });
  } catch {
    throw new KeyMaterialError('the key is not a readable public key (PEM "-----BEGIN PUBLIC KEY-----" or JWK)');
  }
  const type = key.asymmetricKeyType;
  if (alg === 'RS256') {
    if (type !== 'rsa') throw new KeyMaterialError(`RS256 needs an RSA key, got ${type}`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new KeyMaterialError(`RS256 needs an RSA key of at least 2048 bits, got ${bits}`);
  } else if (alg === 'ES256') {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new KeyMaterialError('ES256 needs an EC key on the P-256 curve');
    }
  } else if (type !== 'ed25519') {
    throw new KeyMaterialError(`EdDSA needs an Ed25519 key, got ${type}`);
  }
  return key;
}

export function makeVerificationKey(stored: StoredTenantKey): VerificationKey {
  if (stored.kind === 'jwks') throw new KeyMaterialError('JWKS keys are resolved by the JWKS fetcher');
  const key = stored.alg === 'HS256' ? secretKeyFrom(stored.material) : publicKeyFor(stored.alg, stored.material);
  return { id: stored.id, kid: stored.kid, alg: stored.alg, key };
}
