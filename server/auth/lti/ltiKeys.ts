import { WidgetError } from '../../errors.ts';
import { JwksUnavailable, type JwksCache } from '../launch/jwksCache.ts';
import type { VerificationKey } from '../launch/verificationKey.ts';
import type { LtiPlatform } from './ltiPlatform.ts';

// The keys an LMS signs id_tokens with come from its JWKS only (the LTI
// Security Framework, section 6): fetched, cached and guarded by the same
// JwksCache as host tenants' key sets.

/**
 * Algorithms an id_token may use: LTI requires RS256; a platform whose JWKS
 * advertises ES256 keys may use those. HS256 and "none" never verify here.
 */
export const LTI_ALGS = ['RS256', 'ES256'] as const;
type LtiAlg = (typeof LTI_ALGS)[number];
const isLtiAlg = (alg: string): alg is LtiAlg => (LTI_ALGS as readonly string[]).includes(alg);

export function ltiKeyFinder(jwks: JwksCache) {
  return async (platform: LtiPlatform, header: { alg: string; kid: string | null }): Promise<VerificationKey[]> => {
    if (!isLtiAlg(header.alg)) return [];
    // One cached set per algorithm: keySetFromJwks keeps only the keys that can mean it.
    const source = { id: `lti:${platform.tenantId}:${header.alg}`, tenantId: platform.tenantId, alg: header.alg, url: platform.jwksUrl };
    const load = async (refresh: boolean) => {
      try {
        return await jwks.keys(source, { refresh });
      } catch (err) {
        if (!(err instanceof JwksUnavailable)) throw err;
        throw new WidgetError('lti_token_invalid', "The platform's key set (JWKS URL) could not be used; the widget server's log (jwks_fetch_failed) says why.");
      }
    };
    let keys = await load(false);
    // A platform rotating its key publishes the new kid first: look once, within the refetch budget.
    if (header.kid !== null && !keys.some((k) => k.kid === header.kid) && jwks.claimEarlyRefetch(platform.tenantId)) keys = await load(true);
    // The kid picks among the platform's own keys; without one, any of them may verify.
    return header.kid === null ? keys : keys.filter((k) => k.kid === header.kid || k.kid === null);
  };
}
