import { isLaunchAlg, LAUNCH_ALGS } from '../../../contract/launch.ts';
import { isStorableText } from '../../../contract/text.ts';
import { WidgetError } from '../../errors.ts';
import { decodeCompactJwt, MalformedJwt, SESSION_TOKEN_TYPE } from '../compactJwt.ts';
import { hasValidJwsSignature } from '../jwsSignature.ts';
import { checkLaunchClaims, type LaunchClaims } from './launchClaims.ts';
import { QueryStringError, queryStringHash, type CanonicalRequestInput } from './queryStringHash.ts';
import type { VerificationKey } from './verificationKey.ts';

export interface LaunchTenant {
  id: string;
  issuer: string;
  origins: string[];
}

export interface LaunchVerifierDeps {
  findTenant(issuer: string): Promise<LaunchTenant | undefined>;
  /** Candidate keys for a token header; may fetch (JWKS). */
  keysFor(tenant: LaunchTenant, header: { alg: string; kid: string | null }): Promise<VerificationKey[]>;
  nowSec(): number;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
}

export interface VerifiedLaunch {
  tenant: LaunchTenant;
  claims: LaunchClaims;
}

// A tenant may register a handful of keys (rotation); trying more than this
// per token would let one request buy many signature checks.
export const MAX_CANDIDATE_KEYS = 5;

/**
 * The request a launch token arrived with, for its optional "qsh" claim: the
 * method and path of that request and its URL query string. A form body (POST
 * /launch) or JSON body (POST /api/session) is not part of it, as in Atlassian
 * Connect, where only the URL is hashed.
 */
export type LaunchRequest = CanonicalRequestInput;

export async function verifyLaunchToken(token: string, deps: LaunchVerifierDeps, request: LaunchRequest): Promise<VerifiedLaunch> {
  let decoded;
  try {
    decoded = decodeCompactJwt(token);
  } catch (err) {
    if (err instanceof MalformedJwt) throw new WidgetError('launch_invalid', `The launch token is malformed: ${err.message}.`);
    throw err;
  }
  const { header, payload } = decoded;

  if (header.typ === SESSION_TOKEN_TYPE) {
    throw new WidgetError('launch_invalid', 'This is a widget session token, not a launch token; sign a launch token on the host backend.');
  }
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw new WidgetError('launch_invalid', 'The launch token is unsigned; "alg": "none" is never accepted.');
  }
  if (!isLaunchAlg(header.alg)) {
    throw new WidgetError('launch_invalid', `The launch token's "alg" is not accepted; sign with one of ${LAUNCH_ALGS.join(', ')} (the algorithm registered for your key).`);
  }
  if (header.crit !== undefined) {
    // RFC 7515 section 4.1.11: we understand no extensions, so must reject.
    throw new WidgetError('launch_invalid', 'The launch token uses a "crit" header extension, which is not supported.');
  }
  if (typeof payload.iss !== 'string' || payload.iss.length === 0) {
    throw new WidgetError('launch_invalid', 'The launch token has no "iss" claim; set it to your registered issuer.');
  }
  // No registered issuer looks like this, and PostgreSQL would refuse the lookup.
  if (payload.iss.length > 255 || !isStorableText(payload.iss)) {
    throw new WidgetError('unknown_issuer', 'No host platform is registered with this "iss"; register it with `npm run tenant -- add`.');
  }
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > 255)) {
    throw new WidgetError('launch_invalid', 'The launch token\'s "kid" header must be a string of at most 255 characters.');
  }

  const tenant = await deps.findTenant(payload.iss);
  if (!tenant) throw new WidgetError('unknown_issuer', 'No host platform is registered with this "iss"; register it with `npm run tenant -- add`.');

  const kid = typeof header.kid === 'string' ? header.kid : null;
  const keys = (await deps.keysFor(tenant, { alg: header.alg, kid })).slice(0, MAX_CANDIDATE_KEYS);
  if (keys.length === 0) {
    throw new WidgetError(
      'launch_invalid',
      kid === null
        ? `No key registered for this host platform verifies "${header.alg}" tokens.`
        : `No key with this "kid" and algorithm "${header.alg}" is registered for this host platform.`,
    );
  }
  if (!keys.some((key) => hasValidJwsSignature(token, key))) {
    throw new WidgetError('launch_invalid', 'The launch token signature is invalid; sign it with the key registered for this host platform.');
  }

  const claims = checkLaunchClaims(payload, {
    nowSec: deps.nowSec(),
    audience: deps.audience,
    clockSkew: deps.clockSkew,
    maxLifetime: deps.maxLifetime,
  });
  if (claims.qsh !== null) checkQueryStringHash(claims.qsh, request);
  return { tenant, claims };
}

function checkQueryStringHash(qsh: string, request: LaunchRequest): void {
  let expected: string;
  try {
    expected = queryStringHash(request);
  } catch (err) {
    if (err instanceof QueryStringError) throw new WidgetError('launch_invalid', `The launch token's "qsh" cannot match this request: ${err.message}.`);
    throw err;
  }
  if (qsh !== expected) {
    throw new WidgetError(
      'launch_invalid',
      `The launch token's "qsh" claim does not match this request (${request.method.toUpperCase()} ${request.path}); compute it for the exact method, path and query the token is sent with, or leave it out.`,
    );
  }
}
