import { WidgetError } from '../../errors.ts';
import type { HostTokenKind } from '../launch/hostTokenKind.ts';
import { verifyHostSignature } from '../launch/verifyHostSignature.ts';
import type { VerificationKey } from '../launch/verificationKey.ts';
import { checkLtiClaims, type LtiClaimRules, type LtiLaunchClaims } from './ltiClaims.ts';
import type { LtiPlatform } from './ltiPlatform.ts';

// An LMS's id_token goes through the same parser and signature check as every
// host token (launch/verifyHostSignature.ts); only the keys (the platform's
// JWKS) and the claims (ltiClaims.ts) are LTI's own.

export const LTI_ID_TOKEN: HostTokenKind = {
  noun: 'id_token',
  use: 'launch',
  typ: null,
  invalid: 'lti_token_invalid',
  expired: 'lti_token_expired',
  replayed: 'lti_nonce_replayed',
};

export interface IdTokenDeps {
  keysFor(platform: LtiPlatform, header: { alg: string; kid: string | null }): Promise<VerificationKey[]>;
}

/** `platform` is the one this launch's state was issued for: an id_token from any other issuer is refused. */
export async function verifyIdToken(token: string, platform: LtiPlatform, deps: IdTokenDeps, rules: Omit<LtiClaimRules, 'clientId' | 'deploymentIds'>): Promise<LtiLaunchClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await verifyHostSignature(
      token,
      {
        findTenant: async (issuer) => (issuer === platform.issuer ? platform.tenant : undefined),
        keysFor: (_tenant, header) => deps.keysFor(platform, header),
      },
      LTI_ID_TOKEN,
    ));
  } catch (err) {
    if (err instanceof WidgetError && err.code === 'unknown_issuer') {
      throw new WidgetError('lti_wrong_issuer', 'The id_token was issued by another platform than the one this login started with.');
    }
    throw err;
  }
  return checkLtiClaims(payload, { ...rules, clientId: platform.clientId, deploymentIds: platform.deploymentIds });
}
