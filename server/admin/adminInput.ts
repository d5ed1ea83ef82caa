import crypto from 'node:crypto';
import { ASYMMETRIC_ALGS, type AsymmetricAlg } from '../../contract/launch.ts';
import { isStorableText } from '../../contract/text.ts';
import { KeyMaterialError, publicKeyFor } from '../auth/launch/verificationKey.ts';

// Everything an operator types, validated before it is stored. Each rule
// refuses with a message that says what to type instead.

export class AdminInputError extends Error {}

/**
 * An origin as browsers send it (scheme://host[:port]); anything else would break or widen the CSP.
 * Production takes https only: a page served over http can be altered on the way by anyone on
 * the network, who could then frame the widget and exchange messages with it as the host.
 */
export function parseOrigin(raw: string, { production = false } = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AdminInputError(`"${raw}" is not an origin; use the form https://host.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AdminInputError(`"${raw}" must use https (or http for local development)`);
  if (production && url.protocol !== 'https:') throw new AdminInputError(`"${raw}" must use https in production (http host pages are for local development)`);
  if (url.origin !== raw.replace(/\/$/, '')) {
    throw new AdminInputError(`"${raw}" is not a bare origin: drop the path, query and credentials (did you mean ${url.origin}?)`);
  }
  return url.origin;
}

export function parseOrigins(raw: string[], options: { production?: boolean } = {}): string[] {
  const origins = [...new Set(raw.map((origin) => parseOrigin(origin, options)))];
  if (origins.length === 0) throw new AdminInputError('give at least one --origin: the host page origin allowed to frame the widget');
  return origins;
}

export function parseIssuer(raw: string): string {
  const issuer = raw.trim();
  if (issuer.length === 0 || issuer.length > 255 || issuer !== raw) throw new AdminInputError('the issuer must be 1-255 characters without surrounding spaces');
  // Control characters are never part of a real issuer, and PostgreSQL cannot store NUL.
  if (/[\u0000-\u001f\u007f]/.test(issuer)) throw new AdminInputError('the issuer must not contain control characters');
  return issuer;
}

/** The host's own user id, as its launch tokens carry it in "sub" (compared exactly: no trimming). */
export function parseHostUserId(raw: string): string {
  if (raw.length === 0 || raw.length > 255 || !isStorableText(raw)) {
    throw new AdminInputError('--host-user takes the host\'s user id exactly as its launch tokens carry it in "sub" (1-255 characters)');
  }
  return raw;
}

/** Printable ASCII without spaces: a kid is copied between config files and headers. */
export function parseKid(raw: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(raw)) throw new AdminInputError('--kid must be 1-255 printable ASCII characters without spaces');
  return raw;
}

export function parseAsymmetricAlg(raw: string, what: string): AsymmetricAlg {
  if (!(ASYMMETRIC_ALGS as readonly string[]).includes(raw)) {
    throw new AdminInputError(`--alg must be one of ${ASYMMETRIC_ALGS.join(', ')} for ${what}, got "${raw}"`);
  }
  return raw as AsymmetricAlg;
}

/** pem keys are shown as SHA256:<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>, as `openssl dgst` would give. */
export const fingerprintOf = (spkiDer: Buffer) => `SHA256:${crypto.createHash('sha256').update(spkiDer).digest('base64').replace(/=+$/, '')}`;

/**
 * A public key for `alg`, normalised to SPKI PEM. A private key is refused
 * rather than silently reduced to its public half: it should never have left
 * the host, and the operator needs to know that it did.
 */
export function parsePublicKeyPem(pem: string, algRaw: string): { pem: string; fingerprint: string; alg: AsymmetricAlg } {
  const alg = parseAsymmetricAlg(algRaw, '--public-key');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new AdminInputError('this file holds a PRIVATE key; give the public key only (e.g. `openssl pkey -in private.pem -pubout -out public.pem`) and keep the private key on the host');
  }
  if (!pem.includes('-----BEGIN ')) throw new AdminInputError('the file is not PEM; expected "-----BEGIN PUBLIC KEY-----" (or a certificate)');
  try {
    const key = publicKeyFor(alg, pem);
    const der = key.export({ type: 'spki', format: 'der' });
    return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(der), alg };
  } catch (err) {
    if (err instanceof KeyMaterialError) throw new AdminInputError(`the key does not fit --alg ${alg}: ${err.message}`);
    throw err;
  }
}
