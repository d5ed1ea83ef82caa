import { v4 as uuidv4 } from 'uuid';
import type { Db } from './connect.ts';
import { literalLimit } from './preparedSelect.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

export interface UserRow {
  id: string;
  tenantId: string;
  name: string | null;
  picture: string | null;
}

/**
 * Maps a host user to our opaque UUID. The insert relies on the unique
 * (tenant_id, external_id) index, so two concurrent first launches (on one node
 * or several) both end with the same row; the display name follows the latest launch.
 */
export async function findOrCreateUser(db: Db, input: { tenantId: string; externalId: string; name: string | null; picture?: string | null; now: number }): Promise<UserRow> {
  await db('users')
    .insert({
      id: uuidv4(),
      tenant_id: input.tenantId,
      external_id: input.externalId,
      display_name: input.name,
      picture_url: input.picture ?? null,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict(['tenant_id', 'external_id'])
    .merge({ display_name: input.name, picture_url: input.picture ?? null, updated_at: input.now });
  // Not .first(): a bound LIMIT makes SQLite prepare the statement again on every run.
  const [row] = await literalLimit(db('users').select('id', 'tenant_id', 'display_name', 'picture_url').where({ tenant_id: input.tenantId, external_id: input.externalId }), 1);
  return { id: row.id, tenantId: row.tenant_id, name: row.display_name, picture: row.picture_url ?? null };
}

const nameAndPicture = transactionStatement<{ id: string }, { display_name: string | null; picture_url: string | null }>(['id'], (db, p) =>
  literalLimit(db('users').select('display_name', 'picture_url').where({ id: p.id }), 1),
);

/** How a user is shown beside what they wrote, read inside a write (a new note is answered with it). */
export async function authorOf(tx: WriteTransaction, userId: string): Promise<{ name: string | null; picture: string | null } | undefined> {
  const [row] = await tx.rows(nameAndPicture, { id: userId });
  return row ? { name: row.display_name, picture: row.picture_url ?? null } : undefined;
}
