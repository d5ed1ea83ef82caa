import type { Db } from './connect.ts';
import { isUniqueViolation } from './isUniqueViolation.ts';

/**
 * How far our own nodes' clocks may disagree. Upkeep on one node purges by its
 * clock while another node accepts tokens by its own, so a jti is kept this much
 * longer than the last moment any token check could pass. Nodes run NTP and
 * disagree by milliseconds; a minute costs one small row a minute longer.
 */
export const NODE_CLOCK_TOLERANCE_MS = 60_000;

/**
 * Records a launch token's jti; false when it was already used. The primary
 * key makes this atomic across connections and server nodes.
 */
export async function recordLaunchJti(db: Db, tenantId: string, jti: string, expiresAt: number): Promise<boolean> {
  try {
    await db('launch_jtis').insert({ tenant_id: tenantId, jti, expires_at: expiresAt });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Forgets jtis whose tokens no node can accept any more (expires_at includes NODE_CLOCK_TOLERANCE_MS). */
export async function purgeExpiredLaunchJtis(db: Db, before: number): Promise<number> {
  return db('launch_jtis').where('expires_at', '<', before).delete();
}
