import type { Db } from './connect.ts';
import { isUniqueViolation } from './isUniqueViolation.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

/**
 * How far our own nodes' clocks may disagree. Upkeep on one node purges by its
 * clock while another node accepts tokens by its own, so a jti is kept this much
 * longer than the last moment any token check could pass. Nodes run NTP and
 * disagree by milliseconds; a minute costs one small row a minute longer.
 */
export const NODE_CLOCK_TOLERANCE_MS = 60_000;

interface JtiParams extends Record<string, string | number> {
  tenantId: string;
  jti: string;
  expiresAt: number;
}

const insertJti = transactionStatement<JtiParams>(['tenantId', 'jti', 'expiresAt'], (db, p) => db('launch_jtis').insert({ tenant_id: p.tenantId, jti: p.jti, expires_at: p.expiresAt }));

/** false for the primary key's clash (a used jti): the other errors are thrown. */
async function unlessUsed(insert: Promise<unknown>): Promise<boolean> {
  try {
    await insert;
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Records a launch token's jti; false when it was already used. The primary
 * key makes this atomic across connections and server nodes.
 */
export const recordLaunchJti = (db: Db, tenantId: string, jti: string, expiresAt: number): Promise<boolean> => unlessUsed(insertJti.build(db, { tenantId, jti, expiresAt }));

/** The same inside a launch's write transaction (writeTransaction.ts). */
export const recordLaunchJtiIn = (tx: WriteTransaction, tenantId: string, jti: string, expiresAt: number): Promise<boolean> => unlessUsed(tx.changes(insertJti, { tenantId, jti, expiresAt }));

/** Forgets jtis whose tokens no node can accept any more (expires_at includes NODE_CLOCK_TOLERANCE_MS). */
export async function purgeExpiredLaunchJtis(db: Db, before: number): Promise<number> {
  return db('launch_jtis').where('expires_at', '<', before).delete();
}
