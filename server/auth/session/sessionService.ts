import { v4 as uuidv4, validate as isUuid } from 'uuid';
import type { OpenedSessionJson, RefreshedJson } from '../../../contract/session.ts';
import { nowSeconds, type Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/connect.ts';
import { NODE_CLOCK_TOLERANCE_MS, recordLaunchJtiIn } from '../../db/launchJtis.ts';
import { inWriteTransaction, type WriteTransaction } from '../../db/writeTransaction.ts';
import { findSessionState, insertSession, revokeSession } from '../../db/sessions.ts';
import { findOrCreateUser } from '../../db/users.ts';
import { isForeignKeyViolation } from '../../db/isForeignKeyViolation.ts';
import { WidgetError } from '../../errors.ts';
import { refusedFromMs } from '../launch/hostClaims.ts';
import type { LaunchClaims } from '../launch/launchClaims.ts';
import { checkLaunchSource, type LaunchDoor, type LaunchSource } from '../launch/launchSource.ts';
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
  /** The per-tenant launch budget. */
  launchBudget: LaunchBudget;
}

/**
 * What a tenant may spend on launches. Only a launch that passed every check
 * spends: a replayed or forged token must not lock the tenant's users out.
 */
export interface LaunchBudget {
  /** Throws (rate_limited) when the tenant has nothing left to spend; spends nothing. */
  ensureRoom(tenant: LaunchTenant): void;
  spend(tenant: LaunchTenant): void;
}

/** A launch token as it arrived: the request it came with (for "qsh") and what the browser said about it. */
export interface LaunchAttempt {
  request: LaunchRequest;
  door: LaunchDoor;
  source: LaunchSource;
}

export const isoSeconds = (sec: number) => new Date(sec * 1000).toISOString();

/** Launch -> session -> token, and the checks every API call makes. */
export function createSessionService({ db, config, clock, ring, tenants, launchBudget }: SessionServiceDeps) {
  const tokenRules = {
    issuer: config.sessionIssuer,
    audience: config.sessionAudience,
    ttl: config.sessionTtl,
    clockSkew: config.clockSkew,
  };

  /**
   * `onTenant` hears of the tenant the token's issuer names as soon as it is found,
   * before the signature and claims are checked, so a refusal can still be
   * addressed to that host and logged with it.
   */
  async function open(launchToken: string, { request, door, source }: LaunchAttempt, onTenant: (tenant: LaunchTenant) => void = () => {}): Promise<OpenedSession> {
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
    checkLaunchSource(source, door, { tenant: tenant.origins, own: config.publicUrl });
    return openVerified(tenant, claims);
  }

  /**
   * A launch whose token passed every check: /launch's above, or an LTI
   * id_token's (auth/lti/). `claims.jti` is spent here, once.
   */
  async function openVerified(tenant: LaunchTenant, claims: LaunchClaims): Promise<OpenedSession> {
    // Asked before the jti is recorded, so a launch the budget refuses leaves its
    // token unspent: the host can send it again once the window turns.
    launchBudget.ensureRoom(tenant);
    try {
      return await startSession(tenant, claims);
    } catch (err) {
      if (!isForeignKeyViolation(err)) throw err;
      // Removed by an operator after this node cached it (CACHE_TTL): unknown from now on.
      tenants.forget(tenant.issuer);
      throw new WidgetError('unknown_issuer', 'No host platform is registered with this "iss" any more.');
    }
  }

  /**
   * The writes of a launch that passed every check: its jti, then the user, the session and its token.
   * One transaction, so one durable commit (one wait for the disk) instead of three, and a launch
   * that fails half-way (a tenant removed meanwhile) leaves no jti or user behind. Its statements
   * stay prepared on SQLite, outside knex's transactions (writeTransaction.ts: most of a launch's CPU).
   */
  async function startSession(tenant: LaunchTenant, claims: LaunchClaims): Promise<OpenedSession> {
    return inWriteTransaction(db, (trx) => startSessionIn(trx, tenant, claims));
  }

  async function startSessionIn(trx: WriteTransaction, tenant: LaunchTenant, claims: LaunchClaims): Promise<OpenedSession> {
    // Kept until no node's expiry check could pass the token any more.
    const keepUntil = refusedFromMs(claims.exp, config.clockSkew) + NODE_CLOCK_TOLERANCE_MS;
    if (!(await recordLaunchJtiIn(trx, tenant.id, claims.jti, keepUntil))) {
      throw new WidgetError('launch_replayed', 'This launch token was already used; sign a new one (with a new "jti") for every launch.');
    }
    // Spent only now, when every check passed; concurrent launches between the two calls may
    // overshoot the budget by how many were in flight, never by what a replaying client sends.
    launchBudget.spend(tenant);
    const now = clock.now();
    const user = await findOrCreateUser(trx, { tenantId: tenant.id, externalId: claims.sub, name: claims.name, picture: claims.picture, now });
    const sid = uuidv4();
    const endsAt = now + config.sessionMaxAge * 1000;
    await insertSession(trx, { id: sid, tenantId: tenant.id, userId: user.id, ctx: claims.ctx, createdAt: now, expiresAt: endsAt, revokedAt: null });
    const issued = issueSessionToken(ring, { sub: user.id, tid: tenant.id, ctx: claims.ctx, sid }, nowSeconds(clock), tokenRules, Math.floor(endsAt / 1000));
    return {
      token: issued.token,
      expiresAt: isoSeconds(issued.claims.exp),
      user: { id: user.id, name: user.name, ...(user.picture ? { picture: user.picture } : {}) },
      context: claims.ctx,
      ...(claims.locale ? { locale: claims.locale } : {}),
      ...(claims.ctxLabel ? { contextLabel: claims.ctxLabel } : {}),
      tenant,
      claims: issued.claims,
    };
  }

  /** Verifies a bearer token and that its session is still live (revocation: at once on this node, within REVOCATION_DELAY_MS on every other). */
  async function authenticate(token: string): Promise<AuthenticatedSession> {
    const claims = await verifySessionToken(token, ring, nowSeconds(clock), tokenRules);
    // Malformed ids cannot exist; checking here also keeps them away from PostgreSQL's uuid parser.
    if (!isUuid(claims.sid)) throw new WidgetError('token_invalid', 'The token names no session.');
    const state = await findSessionState(db, claims.sid, { now: clock.now(), maxAgeMs: config.revocationDelayMs });
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

  return { open, openVerified, authenticate, reissue, logout };
}

export type SessionService = ReturnType<typeof createSessionService>;
