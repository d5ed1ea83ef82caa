import { validate as isUuid } from 'uuid';
import type { Db } from '../db/connect.ts';
import { revokeHostUserSessions, revokeTenantSessions, revokeUserSessions } from '../db/sessions.ts';
import { AdminInputError, parseHostUserId } from './adminInput.ts';
import { requireTenant } from './tenants.ts';

// Ending sessions on an operator's word. Revocation is read on every API call,
// so it takes effect on the next call, on every server node.

/** Every live session of one user, named by our opaque UUID (as GET /api/me shows it). */
export async function revokeSessionsOfUser(db: Db, userId: string, now: number): Promise<number> {
  if (!isUuid(userId)) throw new AdminInputError('--user takes the user UUID (e.g. from GET /api/me), not the host user id');
  return revokeUserSessions(db, userId.toLowerCase(), now);
}

/** Every live session of a tenant. */
export async function revokeSessionsOfTenant(db: Db, issuer: string, now: number): Promise<{ issuer: string; revoked: number }> {
  const tenant = await requireTenant(db, issuer);
  return { issuer: tenant.issuer, revoked: await revokeTenantSessions(db, tenant.id, now) };
}

/**
 * Every live session of one host user, named as the host knows them: its
 * issuer and its own user id (the launch token's "sub"). The count is for the
 * operator; the host API never tells a host whether the user existed.
 */
export async function revokeSessionsOfHostUser(db: Db, issuer: string, hostUserId: string, now: number): Promise<{ issuer: string; revoked: number }> {
  const externalId = parseHostUserId(hostUserId);
  const tenant = await requireTenant(db, issuer);
  return { issuer: tenant.issuer, revoked: await revokeHostUserSessions(db, tenant.id, externalId, now) };
}
