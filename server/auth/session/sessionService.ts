import { v4 as uuidv4, validate as isUuid } from 'uuid';
import type { OpenedSessionJson, RefreshedJson } from '../../../contract/session.ts';
import { nowSeconds, type Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/connect.ts';
import { recordLaunchJti } from '../../db/launchJtis.ts';
import { findSessionState, insertSession, revokeSession } from '../../db/sessions.ts';
import { findOrCreateUser } from '../../db/users.ts';
import { WidgetError } from '../../errors.ts';
import type { TenantDirectory } from '../launch/tenantDirectory.ts';
import { verifyLaunchToken, type LaunchRequest, type LaunchTenant } from '../launch/verifyLaunchToken.ts';
import type { SessionKeyRing } from './sessionKeyRing.ts';
import { issueSessionToken, verifySessionToken, type SessionClaims } from './sessionToken.ts';

/** A session just opened by a launch: what the browser gets, plus what the server needs to render for it. */
export interface OpenedSession extends OpenedSessionJson {
  tenant: LaunchTenant;
  claims: SessionClaims;
}

export interface AuthenticatedSession extends SessionClaims {
  /** Epoch ms: the session's absolute end (SESSION_MAX_AGE after launch). */
  sessionEndsAt: number;
  /** The user's display name as of the latest launch. */
  userName: string | null;
}

export interface SessionServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
  ring: SessionKeyRing;
  tenants: TenantDirectory;
  /** Called with each verified launch before any write; may throw (e.g. a per-tenant rate limit). */
  admitLaunch: (tenant: LaunchTenant) => void;
}

export const isoSeconds = (sec: number) => new Date(sec * 1000).toISOString();

/** Launch -> session -> token, and the checks every API call makes. */
export function createSessionService({ db, config, clock, ring, tenants, admitLaunch }: SessionServiceDeps) {
  const tokenRules = {
    issuer: config.sessionIssuer,
    audience: config.sessionAudience,
    ttl: config.sessionTtl,
    clockSkew: config.clockSkew,
  };

  /**
   * `request` is what the token came with, for the optional "qsh" claim;
   * `onTenant` hears of the tenant its issuer names as soon as it is found, before
   * the signature and claims are checked, so a refusal can be logged with it.
   */
  async function open(launchToken: string, request: LaunchRequest, onTenant: (tenant: LaunchTenant) => void = () => {}): Promise<OpenedSession> {
    const { tenant, claims } = await verifyLaunchToken(
      launchToken,
      {
        findTenant: async (issuer) => {
          const found = await tenants.find(issuer);
          if (found) onTenant(found);
          return found;
        },
        keysFor: (t, header) => tenants.keysFor(t, header),
        nowSec: () => nowSeconds(clock),
        audience: config.audience,
        clockSkew: config.clockSkew,
        maxLifetime: config.launchMaxLifetime,
      },
      request,
    );
    admitLaunch(tenant);
    // Kept until the token could no longer pass the expiry check anyway.
    const keepUntil = (claims.exp + config.clockSkew) * 1000;
    if (!(await recordLaunchJti(db, tenant.id, claims.jti, keepUntil))) {
      throw new WidgetError('launch_replayed', 'This launch token was already used; sign a new one (with a new "jti") for every launch.');
    }
    const now = clock.now();
    const user = await findOrCreateUser(db, { tenantId: tenant.id, externalId: claims.sub, name: claims.name, now });
    const sid = uuidv4();
    const endsAt = now + config.sessionMaxAge * 1000;
    await insertSession(db, { id: sid, tenantId: tenant.id, userId: user.id, ctx: claims.ctx, createdAt: now, expiresAt: endsAt, revokedAt: null });
    const issued = issueSessionToken(ring, { sub: user.id, tid: tenant.id, ctx: claims.ctx, sid }, nowSeconds(clock), tokenRules, Math.floor(endsAt / 1000));
    return {
      token: issued.token,
      expiresAt: isoSeconds(issued.claims.exp),
      user: { id: user.id, name: user.name },
      context: claims.ctx,
      tenant,
      claims: issued.claims,
    };
  }

  /** Verifies a bearer token and that its session is still live (revocation takes effect at once, on every node). */
  async function authenticate(token: string): Promise<AuthenticatedSession> {
    const claims = await verifySessionToken(token, ring, nowSeconds(clock), tokenRules);
    // Malformed ids cannot exist; checking here also keeps them away from PostgreSQL's uuid parser.
    if (!isUuid(claims.sid)) throw new WidgetError('token_invalid', 'The token names no session.');
    const state = await findSessionState(db, claims.sid);
    if (!state || state.revokedAt !== null) throw new WidgetError('session_revoked', 'This session was ended; launch the widget again.');
    // The session row, not the token, is the authority on whose session it is: a
    // token that disagrees with it was not issued by us for this session (it
    // would take our signing key), and it must not carry its ids into a write.
    if (state.tenantId !== claims.tid || state.userId !== claims.sub || state.ctx !== claims.ctx) {
      throw new WidgetError('token_invalid', 'The token does not match its session.');
    }
    if (clock.now() >= state.expiresAt) throw new WidgetError('session_revoked', 'This session reached its maximum age; launch the widget again.');
    return { ...claims, sessionEndsAt: state.expiresAt, userName: state.userName };
  }

  function reissue(session: AuthenticatedSession): RefreshedJson {
    const issued = issueSessionToken(ring, session, nowSeconds(clock), tokenRules, Math.floor(session.sessionEndsAt / 1000));
    return { token: issued.token, expiresAt: isoSeconds(issued.claims.exp) };
  }

  async function logout(sid: string): Promise<void> {
    await revokeSession(db, sid, clock.now());
  }

  return { open, authenticate, reissue, logout };
}

export type SessionService = ReturnType<typeof createSessionService>;
