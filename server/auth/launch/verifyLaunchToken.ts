import { WidgetError } from '../../errors.ts';
import { LAUNCH_TOKEN } from './hostTokenKind.ts';
import { checkLaunchClaims, type LaunchClaims } from './launchClaims.ts';
import { QueryStringError, queryStringHash, type CanonicalRequestInput } from './queryStringHash.ts';
import { verifyHostSignature, type HostKeyDeps, type LaunchTenant } from './verifyHostSignature.ts';

export type { LaunchTenant } from './verifyHostSignature.ts';

export interface LaunchVerifierDeps extends HostKeyDeps {
  nowSec(): number;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
}

export interface VerifiedLaunch {
  tenant: LaunchTenant;
  claims: LaunchClaims;
}

/**
 * The request a launch token arrived with, for its optional "qsh" claim: the
 * method and path of that request and its URL query string. A form body (POST
 * /launch) or JSON body (POST /api/session) is not part of it, as in Atlassian
 * Connect, where only the URL is hashed.
 */
export type LaunchRequest = CanonicalRequestInput;

export async function verifyLaunchToken(token: string, deps: LaunchVerifierDeps, request: LaunchRequest): Promise<VerifiedLaunch> {
  const { tenant, payload } = await verifyHostSignature(token, deps, LAUNCH_TOKEN);
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
