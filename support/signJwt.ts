import crypto, { type KeyObject } from 'node:crypto';

// Independent signers (node:crypto only) so tests do not check our verifier
// against the same library that produced the token.
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signHs256(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', ...header })}.${b64(claims)}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export type AsymmetricAlg = 'RS256' | 'ES256' | 'EdDSA';

/** RFC 7518 section 3.3 (RSASSA-PKCS1-v1_5), 3.4 (ECDSA, r||s) and RFC 8037 (Ed25519). */
export function signAsymmetric(alg: AsymmetricAlg, claims: Record<string, unknown>, privateKey: KeyObject, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const data = Buffer.from(input);
  const signature =
    alg === 'RS256'
      ? crypto.sign('sha256', data, privateKey)
      : alg === 'ES256'
        ? crypto.sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : crypto.sign(null, data, privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

export function generateKeyPair(alg: AsymmetricAlg): { privateKey: KeyObject; publicKey: KeyObject; publicPem: string } {
  const pair =
    alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : crypto.generateKeyPairSync('ed25519');
  return { ...pair, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A token from raw parts, for tokens no honest signer would make. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const part = (v: unknown) => (typeof v === 'string' ? Buffer.from(v).toString('base64url') : b64(v));
  return `${part(header)}.${part(payload)}.${signature}`;
}
