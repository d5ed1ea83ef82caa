import crypto from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { nowSeconds } from '../../clock.ts';
import type { Db } from '../../db/connect.ts';
import { findLtiPlatformByTenant } from '../../db/ltiPlatforms.ts';
import { findLtiState, hashOf, spendLtiState, type LtiStateRow } from '../../db/ltiStates.ts';
import { WidgetError } from '../../errors.ts';
import type { JwksCache } from '../launch/jwksCache.ts';
import type { LaunchSource } from '../launch/launchSource.ts';
import type { LaunchTenant } from '../launch/verifyHostSignature.ts';
import type { TenantDirectory } from '../launch/tenantDirectory.ts';
import type { OpenedSession, SessionService } from '../session/sessionService.ts';
import type { LtiLaunchClaims } from './ltiClaims.ts';
import { ltiKeyFinder } from './ltiKeys.ts';
import { findLoginPlatform, startLogin, storageKeyOf, type LoginParams, type StartedLogin } from './ltiLogin.ts';
import { ltiTenantIssuer, platformOrigin, type LtiPlatform } from './ltiPlatform.ts';
import { checkOwnPost, checkPlatformPost } from './ltiSource.ts';
import { ltiToolUrls } from './ltiToolUrls.ts';
import { verifyIdToken } from './verifyIdToken.ts';

// An LTI 1.3 launch from login to session (docs/lti.md). Without platform
// storage: login -> state on the server -> id_token post -> session. With it:
// the id_token post answers a page that reads the browser's half of the state
// from the platform's storage and posts it back (finish), and only then is the
// session opened, so the launch is bound to the browser that logged in.

export interface LtiServiceDeps {
  db: Db;
  clock: Clock;
  publicUrl: string;
  clockSkew: number;
  tenants: TenantDirectory;
  jwks: JwksCache;
  sessions: Pick<SessionService, 'openVerified'>;
}

export interface LtiOpened {
  opened: OpenedSession;
  claims: LtiLaunchClaims;
}

/** The id_token checked; the session waits for the browser's half of the state (platform storage). */
export interface LtiPendingLaunch {
  storage: { target: string; key: string; origin: string };
  idToken: string;
  state: string;
  frameAncestors: string[];
}

export function createLtiService({ db, clock, publicUrl, clockSkew, tenants, jwks, sessions }: LtiServiceDeps) {
  const urls = ltiToolUrls(publicUrl);
  const keysFor = ltiKeyFinder(jwks);

  async function login(params: LoginParams): Promise<StartedLogin & { platformOrigin: string; tenantId: string }> {
    const platform = await findLoginPlatform(db, params);
    const started = await startLogin(db, platform, params, { redirectUri: urls.redirectUri, targetLinkUri: urls.targetLinkUri, nowMs: clock.now() });
    return { ...started, platformOrigin: platformOrigin(platform), tenantId: platform.tenantId };
  }

  /** The state as the launch found it: live and unused, or the refusal that says why not. */
  async function liveState(state: string): Promise<LtiStateRow> {
    const row = await findLtiState(db, state);
    if (!row) throw new WidgetError('lti_state_invalid', 'This launch names no login of this tool; start it again from the course.');
    if (row.usedAt !== null) throw new WidgetError('lti_state_replayed', 'This launch was already used; start it again from the course.');
    if (row.expiresAt <= clock.now()) throw new WidgetError('lti_state_invalid', 'This launch took too long after its login; start it again from the course.');
    return row;
  }

  /** `onTenant` hears of the platform's tenant at once, so a later refusal is logged with it and addressed to its pages. */
  async function platformOf(row: LtiStateRow, onTenant: (tenant: LaunchTenant) => void): Promise<LtiPlatform> {
    const registration = await findLtiPlatformByTenant(db, row.tenantId);
    const tenant = registration ? await tenants.find(ltiTenantIssuer(registration.tenantId)) : undefined;
    if (!registration || !tenant) throw new WidgetError('lti_state_invalid', 'The LMS this login started with is no longer registered.');
    onTenant(tenant);
    return { ...registration, tenant };
  }

  const verify = (idToken: string, platform: LtiPlatform, row: LtiStateRow) =>
    verifyIdToken(idToken, platform, { keysFor }, { nowSec: nowSeconds(clock), clockSkew, nonce: row.nonce, targetLinkUri: urls.targetLinkUri });

  async function openSession(platform: LtiPlatform, state: string, claims: LtiLaunchClaims): Promise<LtiOpened> {
    if (!(await spendLtiState(db, state, clock.now()))) throw new WidgetError('lti_state_replayed', 'This launch was already used; start it again from the course.');
    try {
      const opened = await sessions.openVerified(platform.tenant, {
        iss: platform.issuer,
        // One person is (issuer, deployment, sub); the tenant is the issuer's registration.
        sub: JSON.stringify([claims.deploymentId, claims.sub]),
        // The nonce is single use too (launch_jtis), beside the state it was issued with.
        jti: `lti-nonce:${claims.nonce}`,
        iat: claims.iat,
        exp: claims.exp,
        name: claims.name,
        ctx: claims.ctx,
        qsh: null,
        locale: claims.locale,
        ctxLabel: claims.contextLabel,
        picture: null,
      });
      return { opened, claims };
    } catch (err) {
      if (err instanceof WidgetError && err.code === 'launch_replayed') throw new WidgetError('lti_nonce_replayed', 'This id_token\'s nonce was already used; start the launch again from the course.');
      throw err;
    }
  }

  /** The id_token's form post from the platform (redirect URI). */
  async function launch(input: { idToken: string; state: string }, source: LaunchSource, onTenant: (tenant: LaunchTenant) => void = () => {}): Promise<LtiOpened | LtiPendingLaunch> {
    const row = await liveState(input.state);
    const platform = await platformOf(row, onTenant);
    checkPlatformPost(source, [...new Set([platformOrigin(platform), new URL(platform.issuer).origin, ...platform.tenant.origins])]);
    const claims = await verify(input.idToken, platform, row);
    if (row.storage === null) return openSession(platform, input.state, claims);
    return {
      storage: { target: row.storage.target, key: storageKeyOf(input.state), origin: platformOrigin(platform) },
      idToken: input.idToken,
      state: input.state,
      frameAncestors: platform.tenant.origins,
    };
  }

  /** The launch page's post with what the platform's storage held for this state. */
  async function finish(input: { idToken: string; state: string; browserSecret: string }, source: LaunchSource, onTenant: (tenant: LaunchTenant) => void = () => {}): Promise<LtiOpened> {
    checkOwnPost(source, publicUrl);
    const row = await liveState(input.state);
    if (row.storage === null) throw new WidgetError('lti_state_unbound', 'This launch did not keep its state in the platform\'s storage.');
    const given = Buffer.from(hashOf(input.browserSecret));
    if (!crypto.timingSafeEqual(given, Buffer.from(row.storage.secretHash))) {
      throw new WidgetError('lti_state_unbound', 'This browser did not start this launch (the LMS\'s storage holds no matching state); start it again from the course.');
    }
    const platform = await platformOf(row, onTenant);
    return openSession(platform, input.state, await verify(input.idToken, platform, row));
  }

  return { login, launch, finish, urls };
}

export type LtiService = ReturnType<typeof createLtiService>;
