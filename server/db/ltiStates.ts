import crypto from 'node:crypto';
import type { Db } from './connect.ts';

// The OIDC login's state and nonce (LTI 1.3 / OpenID Connect), kept on the
// server because no cookie can carry them. Stored by hash: a copy of the
// table does not hand out states that could still be used.

export const hashOf = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

/** Where the browser's half of a state is kept, when the platform offered its storage. */
export interface PlatformStorage {
  /** The frame that holds it (lti_storage_target). */
  target: string;
  /** The secret the login page left there; only its hash is stored. */
  secret: string;
}

export interface NewLtiState {
  state: string;
  tenantId: string;
  nonce: string;
  storage: PlatformStorage | null;
  expiresAt: number;
}

export async function insertLtiState(db: Db, s: NewLtiState): Promise<void> {
  await db('lti_states').insert({
    state_hash: hashOf(s.state),
    tenant_id: s.tenantId,
    nonce: s.nonce,
    browser_hash: s.storage === null ? null : hashOf(s.storage.secret),
    storage_target: s.storage?.target ?? null,
    expires_at: s.expiresAt,
    used_at: null,
  });
}

export interface LtiStateRow {
  tenantId: string;
  nonce: string;
  /** Both set when the login stored the browser's half in the platform's storage. */
  storage: { target: string; secretHash: string } | null;
  expiresAt: number;
  usedAt: number | null;
}

interface RawState {
  tenant_id: string;
  nonce: string;
  browser_hash: string | null;
  storage_target: string | null;
  expires_at: number;
  used_at: number | null;
}

const fromRow = (r: RawState): LtiStateRow => ({
  tenantId: r.tenant_id,
  nonce: r.nonce,
  storage: r.browser_hash !== null && r.storage_target !== null ? { target: r.storage_target, secretHash: r.browser_hash } : null,
  expiresAt: Number(r.expires_at),
  usedAt: r.used_at === null ? null : Number(r.used_at),
});

/** The state as stored, spent or not. */
export async function findLtiState(db: Db, state: string): Promise<LtiStateRow | undefined> {
  const row: RawState | undefined = await db('lti_states').where('state_hash', hashOf(state)).first();
  return row ? fromRow(row) : undefined;
}

/**
 * Spends a live state once. The conditional update is atomic across connections
 * and nodes: of two requests with one state exactly one gets true.
 */
export async function spendLtiState(db: Db, state: string, now: number): Promise<boolean> {
  const spent = await db('lti_states').where({ state_hash: hashOf(state) }).whereNull('used_at').where('expires_at', '>', now).update({ used_at: now });
  return spent === 1;
}

/** States past their lifetime, used or not, are of no use to anyone. */
export async function purgeExpiredLtiStates(db: Db, before: number): Promise<number> {
  return db('lti_states').where('expires_at', '<', before).delete();
}
