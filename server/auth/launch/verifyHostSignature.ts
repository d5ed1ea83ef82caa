import { isLaunchAlg, LAUNCH_ALGS } from '../../../contract/launch.ts';
import { isStorableText } from '../../../contract/text.ts';
import { WidgetError } from '../../errors.ts';
import { decodeCompactJwt, MalformedJwt } from '../compactJwt.ts';
import { hasValidJwsSignature } from '../jwsSignature.ts';
import { tokenTypeMismatch, type HostTokenKind } from './hostTokenKind.ts';
import type { VerificationKey } from './verificationKey.ts';

// What every token a host signs goes through before its claims are read:
// strict parsing, the header rules, the tenant named by "iss", and the
// signature with a key registered for that tenant and algorithm.

export interface LaunchTenant {
  id: string;
  issuer: string;
  origins: string[];
}

export interface HostKeyDeps {
  findTenant(issuer: string): Promise<LaunchTenant | undefined>;
  /** Candidate keys for a token header; may fetch (JWKS). */
  keysFor(tenant: LaunchTenant, header: { alg: string; kid: string | null }): Promise<VerificationKey[]>;
}

export interface HostSignedToken {
  tenant: LaunchTenant;
  payload: Record<string, unknown>;
}

// A tenant may register a handful of keys (rotation); trying more than this
// per token would let one request buy many signature checks.
export const MAX_CANDIDATE_KEYS = 5;

export async function verifyHostSignature(token: string, deps: HostKeyDeps, kind: HostTokenKind): Promise<HostSignedToken> {
  const invalid = (message: string) => new WidgetError(kind.invalid, message);
  let decoded;
  try {
    decoded = decodeCompactJwt(token);
  } catch (err) {
    if (err instanceof MalformedJwt) throw invalid(`The ${kind.noun} is malformed: ${err.message}.`);
    throw err;
  }
  const { header, payload } = decoded;

  const typeMismatch = tokenTypeMismatch(header.typ, kind);
  if (typeMismatch !== null) throw invalid(typeMismatch);
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw invalid(`The ${kind.noun} is unsigned; "alg": "none" is never accepted.`);
  }
  if (!isLaunchAlg(header.alg)) {
    throw invalid(`The ${kind.noun}'s "alg" is not accepted; sign with one of ${LAUNCH_ALGS.join(', ')} (the algorithm registered for your key).`);
  }
  if (header.crit !== undefined) {
    // RFC 7515 section 4.1.11: we understand no extensions, so must reject.
    throw invalid(`The ${kind.noun} uses a "crit" header extension, which is not supported.`);
  }
  if (typeof payload.iss !== 'string' || payload.iss.length === 0) {
    throw invalid(`The ${kind.noun} has no "iss" claim; set it to your registered issuer.`);
  }
  const unknownIssuer = () => new WidgetError('unknown_issuer', 'No host platform is registered with this "iss"; register it with `npm run tenant -- add`.');
  // No registered issuer looks like this, and PostgreSQL would refuse the lookup.
  if (payload.iss.length > 255 || !isStorableText(payload.iss)) throw unknownIssuer();
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > 255)) {
    throw invalid(`The ${kind.noun}'s "kid" header must be a string of at most 255 characters.`);
  }

  const tenant = await deps.findTenant(payload.iss);
  if (!tenant) throw unknownIssuer();

  const kid = typeof header.kid === 'string' ? header.kid : null;
  const keys = (await deps.keysFor(tenant, { alg: header.alg, kid })).slice(0, MAX_CANDIDATE_KEYS);
  if (keys.length === 0) {
    throw invalid(
      kid === null
        ? `No key registered for this host platform verifies "${header.alg}" tokens.`
        : `No key with this "kid" and algorithm "${header.alg}" is registered for this host platform.`,
    );
  }
  if (!keys.some((key) => hasValidJwsSignature(token, key))) {
    throw invalid(`The ${kind.noun} signature is invalid; sign it with the key registered for this host platform.`);
  }
  return { tenant, payload };
}
