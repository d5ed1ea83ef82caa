import type crypto from 'node:crypto';
import type { AsymmetricAlg } from '../../../contract/launch.ts';
import { KeyMaterialError, publicKeyFor, type VerificationKey } from './verificationKey.ts';

// A JWKS document (RFC 7517 section 5) turned into verification keys for the
// one algorithm the tenant registered the JWKS URL for. Keys that cannot mean
// that algorithm are skipped, never reinterpreted.

/** More keys than this in one document is not a key set a host rotates through. */
export const MAX_JWKS_KEYS = 20;

export class JwksDocumentError extends Error {}

export interface JwksKeySet {
  keys: VerificationKey[];
  /** How many entries were skipped (wrong type/alg/use, unreadable); for the operator log. */
  skipped: number;
}

export function keySetFromJwks(document: unknown, alg: AsymmetricAlg, sourceId: string): JwksKeySet {
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new JwksDocumentError('the document is not a JWKS ({"keys": [...]})');
  }
  const entries = (document as { keys: unknown[] }).keys;
  if (entries.length > MAX_JWKS_KEYS) throw new JwksDocumentError(`the document has more than ${MAX_JWKS_KEYS} keys`);
  const keys: VerificationKey[] = [];
  let skipped = 0;
  entries.forEach((entry, index) => {
    const key = verificationKeyFromJwk(entry, alg, `${sourceId}#${index}`);
    if (key) keys.push(key);
    else skipped++;
  });
  return { keys, skipped };
}

function verificationKeyFromJwk(entry: unknown, alg: AsymmetricAlg, id: string): VerificationKey | null {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return null;
  const jwk = entry as Record<string, unknown>;
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  if (jwk.alg !== undefined && jwk.alg !== alg) return null;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return null;
  // A published private key is a leaked key: trusting it would trust anyone.
  if (jwk.d !== undefined || jwk.k !== undefined) return null;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 255)) return null;
  try {
    const key = publicKeyFor(alg, jwk as crypto.JsonWebKey);
    return { id, kid: typeof jwk.kid === 'string' ? jwk.kid : null, alg, key };
  } catch (err) {
    if (err instanceof KeyMaterialError) return null;
    throw err;
  }
}
