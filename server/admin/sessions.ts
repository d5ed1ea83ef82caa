import { validate as isUuid } from 'uuid';
import type { Db } from '../db/connect.ts';
import { revokeTenantSessions, revokeUserSessions } from '../db/sessions.ts';
import { AdminInputError } from './adminInput.ts';
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
