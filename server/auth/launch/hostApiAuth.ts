import { nowSeconds, type Clock } from '../../clock.ts';
import type { Db } from '../../db/connect.ts';
import { NODE_CLOCK_TOLERANCE_MS, recordLaunchJti } from '../../db/launchJtis.ts';
import { WidgetError } from '../../errors.ts';
import { hostClaimReader, refusedFromMs, type HostClaims } from './hostClaims.ts';
import { HOST_API_TOKEN } from './hostTokenKind.ts';
import { verifyHostSignature, type HostKeyDeps, type LaunchTenant } from './verifyHostSignature.ts';

// A host's backend calls our host API (docs/protocol.md section 8) with a JWT
// it signs with its registered launch key. Such a token is bound to one
// endpoint ("aud" is that endpoint's URL), lives at most a minute and works once.

/** Longest accepted "exp" - "iat": the backend signs right before it calls. */
export const HOST_API_MAX_LIFETIME = 60;

export interface HostApiCaller {
  tenant: LaunchTenant;
  claims: HostClaims;
}

export interface HostApiAuthDeps extends HostKeyDeps {
  db: Db;
  clock: Clock;
  clockSkew: number;
}

export function createHostApiAuth({ db, clock, clockSkew, ...keys }: HostApiAuthDeps) {
  /** `endpoint` is the absolute URL the token must name as its audience. */
  return async function authenticateHostCall(token: string, endpoint: string): Promise<HostApiCaller> {
    const { tenant, payload } = await verifyHostSignature(token, keys, HOST_API_TOKEN);
    const claims = hostClaimReader(payload, HOST_API_TOKEN).common({ nowSec: nowSeconds(clock), audience: endpoint, clockSkew, maxLifetime: HOST_API_MAX_LIFETIME });
    // One jti namespace per tenant for everything it signs: an id is used once, whatever the token was for.
    // Kept until no node's expiry check could pass the token any more, as for launch tokens.
    if (!(await recordLaunchJti(db, tenant.id, claims.jti, refusedFromMs(claims.exp, clockSkew) + NODE_CLOCK_TOLERANCE_MS))) {
      throw new WidgetError('host_token_replayed', 'This host API token was already used; sign a new one (with a new "jti") for every call.');
    }
    return { tenant, claims };
  };
}

export type AuthenticateHostCall = ReturnType<typeof createHostApiAuth>;
