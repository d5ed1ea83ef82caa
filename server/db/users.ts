import { v4 as uuidv4 } from 'uuid';
import type { Db } from './connect.ts';
import type { Knex } from 'knex';
import { literalLimit, preparedSelect, type BoundValue, type Params } from './preparedSelect.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

export interface UserRow {
  id: string;
  tenantId: string;
  name: string | null;
  picture: string | null;
}

export interface UserInput {
  tenantId: string;
  externalId: string;
  name: string | null;
  picture?: string | null;
  now: number;
}

interface RawUser {
  id: string;
  tenant_id: string;
  display_name: string | null;
  picture_url: string | null;
}

interface UpsertParams extends Record<string, BoundValue> {
  id: string;
  tenantId: string;
  externalId: string;
  name: string | null;
  picture: string | null;
  now: number;
}

const USER_COLUMNS = ['id', 'tenant_id', 'display_name', 'picture_url'];

// The row inserted, or the one already there updated, comes back with RETURNING. A
// launch that brings the name and picture the row already has changes nothing: a
// page less in the WAL per repeat launch (docs/benchmark.md). No row comes back
// then, and the next statement reads it. updated_at: when the profile last changed.
const upsertUser = transactionStatement<UpsertParams, RawUser>(['id', 'tenantId', 'externalId', 'name', 'picture', 'now'], (db, p) =>
  db('users')
    .insert({ id: p.id, tenant_id: p.tenantId, external_id: p.externalId, display_name: p.name, picture_url: p.picture, created_at: p.now, updated_at: p.now })
    .onConflict(['tenant_id', 'external_id'])
    .merge({ display_name: p.name, picture_url: p.picture, updated_at: p.now })
    .where(db.raw('users.display_name is distinct from excluded.display_name or users.picture_url is distinct from excluded.picture_url'))
    .returning(USER_COLUMNS),
);

const userByExternalId = transactionStatement<{ tenantId: string; externalId: string }, RawUser>(['tenantId', 'externalId'], (db, p) =>
  literalLimit(db('users').select(USER_COLUMNS).where({ tenant_id: p.tenantId, external_id: p.externalId }), 1),
);

const upsertParams = (input: UserInput): UpsertParams => ({
  id: uuidv4(),
  tenantId: input.tenantId,
  externalId: input.externalId,
  name: input.name,
  picture: input.picture ?? null,
  now: input.now,
});

const userOf = ([row]: RawUser[]): UserRow => ({ id: row!.id, tenantId: row!.tenant_id, name: row!.display_name, picture: row!.picture_url ?? null });

/**
 * Maps a host user to our opaque UUID. The insert relies on the unique
 * (tenant_id, external_id) index, so two concurrent first launches (on one node
 * or several) both end with the same row; the display name follows the latest launch.
 * Inside a launch's write transaction (writeTransaction.ts).
 */
export async function findOrCreateUser(tx: WriteTransaction, input: UserInput): Promise<UserRow> {
  const written = await tx.rows(upsertUser, upsertParams(input));
  return userOf(written.length > 0 ? written : await tx.rows(userByExternalId, { tenantId: input.tenantId, externalId: input.externalId }));
}

/** How a note's author is shown: their name and picture as of their latest launch. */
export interface AuthorProfile {
  name: string | null;
  picture: string | null;
}

interface ProfileRow {
  display_name: string | null;
  picture_url: string | null;
}

const selectProfile = (db: Knex, p: Params<{ id: string }>) => literalLimit(db('users').select('display_name', 'picture_url').where({ id: p.id }), 1);
const profileOf = (row: ProfileRow | undefined): AuthorProfile | undefined => (row ? { name: row.display_name, picture: row.picture_url ?? null } : undefined);

// The same read twice prepared: inside a write (a new note is answered with its author), and on the
// reader for every cached notes page answer (preparedSelect.ts).
const profileInWrite = transactionStatement<{ id: string }, ProfileRow>(['id'], selectProfile);
const profileById = preparedSelect<{ id: string }, ProfileRow>(['id'], selectProfile);

/** The author's profile, read inside a write transaction; undefined when the user no longer exists. */
export async function authorOf(tx: WriteTransaction, userId: string): Promise<AuthorProfile | undefined> {
  return profileOf((await tx.rows(profileInWrite, { id: userId }))[0]);
}

/** The author's profile now, or undefined when the user no longer exists. */
export async function findAuthorProfile(db: Db, id: string): Promise<AuthorProfile | undefined> {
  return profileOf((await profileById(db, { id }))[0]);
}
