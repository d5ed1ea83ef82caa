import type { LtiPlatformRow } from '../../db/ltiPlatforms.ts';
import type { LaunchTenant } from '../launch/verifyHostSignature.ts';

/** A registered LMS as login and launch use it: its registration and its tenant (origins as the directory serves them). */
export interface LtiPlatform extends LtiPlatformRow {
  tenant: LaunchTenant;
}

/** The origin of the platform's login endpoint: its form post comes from there, and its storage frame answers from there. */
export const platformOrigin = (platform: Pick<LtiPlatformRow, 'authUrl'>) => new URL(platform.authUrl).origin;
