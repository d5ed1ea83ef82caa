import type { LtiPlatformRow } from '../../db/ltiPlatforms.ts';
import type { LaunchTenant } from '../launch/verifyHostSignature.ts';

/** A registered LMS as login and launch use it: its registration and its tenant (origins as the directory serves them). */
export interface LtiPlatform extends LtiPlatformRow {
  tenant: LaunchTenant;
}

/** The origin of the platform's login endpoint: its form post comes from there, and its storage frame answers from there. */
export const platformOrigin = (platform: Pick<LtiPlatformRow, 'authUrl'>) => new URL(platform.authUrl).origin;

/** The issuer of a platform's tenant: tenant and session commands name it by this; no launch token can carry it. */
export const LTI_TENANT_PREFIX = 'lti:';
export const ltiTenantIssuer = (tenantId: string) => `${LTI_TENANT_PREFIX}${tenantId}`;
