import { v4 as uuidv4 } from 'uuid';
import type { Db } from './connect.ts';
import { literalLimit } from './preparedSelect.ts';

export interface UserRow {
  id: string;
  tenantId: string;
  name: string | null;
}

/**
 * Maps a host user to our opaque UUID. The insert relies on the unique
 * (tenant_id, external_id) index, so two concurrent first launches (on one node
 * or several) both end with the same row; the display name follows the latest launch.
 */
export async function findOrCreateUser(db: Db, input: { tenantId: string; externalId: string; name: string | null; now: number }): Promise<UserRow> {
  await db('users')
    .insert({
      id: uuidv4(),
      tenant_id: input.tenantId,
      external_id: input.externalId,
      display_name: input.name,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict(['tenant_id', 'external_id'])
    .merge({ display_name: input.name, updated_at: input.now });
  // Not .first(): a bound LIMIT makes SQLite prepare the statement again on every run.
  const [row] = await literalLimit(db('users').select('id', 'tenant_id', 'display_name').where({ tenant_id: input.tenantId, external_id: input.externalId }), 1);
  return { id: row.id, tenantId: row.tenant_id, name: row.display_name };
}
