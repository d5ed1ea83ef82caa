import type { Db } from './connect.ts';
import { isUniqueViolation } from './isUniqueViolation.ts';

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

/** Forgets jtis whose tokens can no longer pass the expiry check anyway. */
export async function purgeExpiredLaunchJtis(db: Db, before: number): Promise<number> {
  return db('launch_jtis').where('expires_at', '<', before).delete();
}
