import { v4 as uuidv4 } from 'uuid';
import type { Db } from './connect.ts';
import { literalLimit, preparedSelect } from './preparedSelect.ts';

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

/** How a note's author is shown: their name and picture as of their latest launch. */
export interface AuthorProfile {
  name: string | null;
  picture: string | null;
}

// Prepared once (preparedSelect.ts): a cached notes page reads its authors on every answer.
const profileById = preparedSelect<{ id: string }, { display_name: string | null; picture_url: string | null }>(['id'], (db, { id }) =>
  literalLimit(db('users').select('display_name', 'picture_url').where({ id }), 1),
);

/** The author's profile now, or undefined when the user no longer exists. */
export async function findAuthorProfile(db: Db, id: string): Promise<AuthorProfile | undefined> {
  const [row] = await profileById(db, { id });
  return row ? { name: row.display_name, picture: row.picture_url } : undefined;
}
