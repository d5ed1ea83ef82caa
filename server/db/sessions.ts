import type { Knex } from 'knex';
import type { Db } from './connect.ts';
import { literalLimit, preparedSelect, type BoundValue } from './preparedSelect.ts';
import { recentReads } from './recentReads.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

export interface SessionRow {
  id: string;
  tenantId: string;
  userId: string;
  ctx: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

const insertSessionRow = transactionStatement<SessionRow & Record<string, BoundValue>>(['id', 'tenantId', 'userId', 'ctx', 'createdAt', 'expiresAt', 'revokedAt'], (db, s) =>
  db('sessions').insert({
    id: s.id,
    tenant_id: s.tenantId,
    user_id: s.userId,
    ctx: s.ctx,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
    revoked_at: s.revokedAt,
  }),
);

// Only the row's own fields: a prepared statement binds exactly its named parameters.
const sessionParams = (s: SessionRow) => ({ id: s.id, tenantId: s.tenantId, userId: s.userId, ctx: s.ctx, createdAt: s.createdAt, expiresAt: s.expiresAt, revokedAt: s.revokedAt });

/** Inside a launch's write transaction (writeTransaction.ts). */
export async function insertSession(tx: WriteTransaction, s: SessionRow): Promise<void> {
  await tx.changes(insertSessionRow, sessionParams(s));
}

export interface SessionState {
  tenantId: string;
  userId: string;
  /** The user's display name, read in the same lookup: GET /api/me then needs no second query. */
  userName: string | null;
  ctx: string;
  expiresAt: number;
  revokedAt: number | null;
}

interface RawSessionState {
  tenant_id: string;
  user_id: string;
  display_name: string | null;
  ctx: string;
  expires_at: number | string;
  revoked_at: number | string | null;
}

// Prepared once (preparedSelect.ts): this runs on every API call.
const sessionStateById = preparedSelect<{ sid: string }, RawSessionState>(['sid'], (db, { sid }) =>
  literalLimit(
    db('sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .select('sessions.tenant_id', 'sessions.user_id', 'users.display_name', 'sessions.ctx', 'sessions.expires_at', 'sessions.revoked_at')
      .where('sessions.id', sid),
    1,
  ),
);

/** How fresh a session state must be: read at `now`, or remembered from less than `maxAgeMs` before (REVOCATION_DELAY_MS). */
export interface Freshness {
  now: number;
  maxAgeMs: number;
}

// Live sessions only: a revoked one is refused whatever is remembered. 4096 states are well under a megabyte.
const recentStates = recentReads<SessionState>({ maxEntries: 4096, keep: (state) => state.revokedAt === null });

/** What the per-request check needs (one primary-key lookup, or a recent one: recentReads.ts): this runs on every API call. */
export function findSessionState(db: Db, id: string, { now, maxAgeMs }: Freshness): Promise<SessionState | undefined> {
  return recentStates.read(db, id, now, maxAgeMs, async () => {
    const [row] = await sessionStateById(db, { sid: id });
    return row
      ? {
          tenantId: row.tenant_id,
          userId: row.user_id,
          userName: row.display_name,
          ctx: row.ctx,
          expiresAt: Number(row.expires_at),
          revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
        }
      : undefined;
  });
}

/** Forgets sessions past their absolute end: no token of theirs can pass the liveness check any more. */
export async function deleteEndedSessions(db: Db, before: number): Promise<number> {
  return db('sessions').where('expires_at', '<', before).delete();
}

/** For a change that ends sessions by other means (a tenant deleted with its sessions). */
export const forgetRecentSessionStates = (db: Db): void => recentStates.forget(db);

/**
 * Every revocation goes through here: the live sessions `selected` names are
 * marked revoked, then, once that has committed, this node forgets what it
 * remembers of them (of that one session, or of all), so it holds here at once.
 */
async function revoke(db: Db, selected: Knex.QueryBuilder, at: number, sessionId?: string): Promise<number> {
  const revoked = await selected.whereNull('revoked_at').update({ revoked_at: at });
  recentStates.forget(db, sessionId);
  return revoked;
}

export async function revokeSession(db: Db, id: string, at: number): Promise<void> {
  await revoke(db, db('sessions').where({ id }), at, id);
}

export const revokeUserSessions = (db: Db, userId: string, at: number): Promise<number> => revoke(db, db('sessions').where({ user_id: userId }), at);

export const revokeTenantSessions = (db: Db, tenantId: string, at: number): Promise<number> => revoke(db, db('sessions').where({ tenant_id: tenantId }), at);

/**
 * Revokes every live session of one host user (tenant + the host's own user
 * id). One statement whether or not the user exists, so the host API that calls
 * it takes the same path, and answers the same, for a user we never saw.
 */
export const revokeHostUserSessions = (db: Db, tenantId: string, externalId: string, at: number): Promise<number> =>
  revoke(db, db('sessions').whereIn('user_id', db('users').select('id').where({ tenant_id: tenantId, external_id: externalId })), at);

/** Sessions neither revoked nor past their absolute end at `now`, of one tenant or of all. */
export async function countOpenSessions(db: Db, now: number, tenantId?: string): Promise<number> {
  const query = db('sessions').whereNull('revoked_at').where('expires_at', '>', now);
  if (tenantId !== undefined) query.where({ tenant_id: tenantId });
  const row = await query.count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
