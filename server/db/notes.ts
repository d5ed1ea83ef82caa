import type { Knex } from 'knex';
import type { Db } from './connect.ts';
import { literalLimit, preparedSelect, type Params, type PreparedSelect } from './preparedSelect.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

export interface NoteRow {
  id: string;
  tenantId: string;
  ctx: string;
  authorId: string;
  authorName: string | null;
  authorPicture?: string | null;
  body: string;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** Where a thread lives: every query is scoped by both, so no caller can forget one. */
export interface NoteScope {
  tenantId: string;
  ctx: string;
}

/** A position in the newest-first order: notes strictly older than this one. */
export interface NotePosition {
  createdAt: number;
  id: string;
}

interface RawNote {
  id: string;
  tenant_id: string;
  ctx: string;
  author_id: string;
  display_name: string | null;
  picture_url: string | null;
  body: string;
  created_at: number | string;
  updated_at: number | string;
  version: number | string;
}

const COLUMNS = ['notes.id', 'notes.tenant_id', 'notes.ctx', 'notes.author_id', 'users.display_name', 'users.picture_url', 'notes.body', 'notes.created_at', 'notes.updated_at', 'notes.version'];

const fromRow = (r: RawNote): NoteRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  ctx: r.ctx,
  authorId: r.author_id,
  authorName: r.display_name,
  authorPicture: r.picture_url,
  body: r.body,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  version: Number(r.version),
});

function scoped(db: Db, scope: Params<{ tenantId: string; ctx: string }>) {
  return db<RawNote>('notes')
    .join('users', 'users.id', 'notes.author_id')
    .select(COLUMNS)
    .where({ 'notes.tenant_id': scope.tenantId, 'notes.ctx': scope.ctx });
}

type PageParams = { tenantId: string; ctx: string };
type PageAfterParams = PageParams & { beforeCreatedAt: number; beforeId: string };

const newestFirst = (query: Knex.QueryBuilder) =>
  query.orderBy([
    { column: 'notes.created_at', order: 'desc' },
    { column: 'notes.id', order: 'desc' },
  ]);

// One prepared statement per page size (preparedSelect.ts: the LIMIT is part of
// the text); the routes allow at most NOTES_PAGE_MAX + 1 of them.
function perPageSize<P extends PageParams>(make: (limit: number) => PreparedSelect<P, RawNote>): (limit: number) => PreparedSelect<P, RawNote> {
  const made = new Map<number, PreparedSelect<P, RawNote>>();
  return (limit) => {
    let query = made.get(limit);
    if (!query) {
      query = make(limit);
      made.set(limit, query);
    }
    return query;
  };
}

const firstPage = perPageSize((limit) => preparedSelect<PageParams, RawNote>(['tenantId', 'ctx'], (db, p) => literalLimit(newestFirst(scoped(db, p)), limit)));

const laterPage = perPageSize((limit) =>
  preparedSelect<PageAfterParams, RawNote>(['tenantId', 'ctx', 'beforeCreatedAt', 'beforeId'], (db, p) =>
    literalLimit(
      newestFirst(
        scoped(db, p).andWhere((q) =>
          q.where('notes.created_at', '<', p.beforeCreatedAt).orWhere((same) => same.where('notes.created_at', '=', p.beforeCreatedAt).andWhere('notes.id', '<', p.beforeId)),
        ),
      ),
      limit,
    ),
  ),
);

/**
 * Newest first, ties on created_at broken by id so that a cursor never skips or
 * repeats a note. One indexed range scan on (tenant_id, ctx, created_at, id).
 */
export async function listNotes(db: Db, scope: NoteScope, options: { limit: number; before?: NotePosition }): Promise<NoteRow[]> {
  const before = options.before;
  const rows = before
    ? await laterPage(options.limit)(db, { tenantId: scope.tenantId, ctx: scope.ctx, beforeCreatedAt: before.createdAt, beforeId: before.id })
    : await firstPage(options.limit)(db, { tenantId: scope.tenantId, ctx: scope.ctx });
  return rows.map(fromRow);
}

const noteById = preparedSelect<PageParams & { id: string }, RawNote>(['tenantId', 'ctx', 'id'], (db, p) => literalLimit(scoped(db, p).andWhere('notes.id', p.id), 1));

export async function findNote(db: Db, scope: NoteScope, id: string): Promise<NoteRow | undefined> {
  const [row] = await noteById(db, { tenantId: scope.tenantId, ctx: scope.ctx, id });
  return row ? fromRow(row) : undefined;
}

const insertNoteRow = transactionStatement<{ id: string; tenantId: string; ctx: string; authorId: string; body: string; createdAt: number; updatedAt: number; version: number }>(
  ['id', 'tenantId', 'ctx', 'authorId', 'body', 'createdAt', 'updatedAt', 'version'],
  (db, p) =>
    db('notes').insert({ id: p.id, tenant_id: p.tenantId, ctx: p.ctx, author_id: p.authorId, body: p.body, created_at: p.createdAt, updated_at: p.updatedAt, version: p.version }),
);

export async function insertNote(tx: WriteTransaction, note: Omit<NoteRow, 'authorName' | 'authorPicture'>): Promise<void> {
  await tx.changes(insertNoteRow, {
    id: note.id,
    tenantId: note.tenantId,
    ctx: note.ctx,
    authorId: note.authorId,
    body: note.body,
    createdAt: note.createdAt,
    updatedAt: note.updatedAt,
    version: note.version,
  });
}

type OwnVersion = { id: string; tenantId: string; ctx: string; authorId: string; version: number };
const OWN_VERSION = ['id', 'tenantId', 'ctx', 'authorId', 'version'] as const;
const ownVersion = (db: Knex, p: Params<OwnVersion>) => db('notes').where({ id: p.id, tenant_id: p.tenantId, ctx: p.ctx, author_id: p.authorId, version: p.version });

const updateBody = transactionStatement<OwnVersion & { body: string; now: number; nextVersion: number }>([...OWN_VERSION, 'body', 'now', 'nextVersion'], (db, p) =>
  ownVersion(db, p).update({ body: p.body, updated_at: p.now, version: p.nextVersion }),
);

/**
 * Author-only by construction: a note by someone else is never touched, even in a race with the route's check.
 * Only the version the edit was based on is changed (compare-and-set): false when the note moved on or is gone.
 */
export async function updateNoteBody(tx: WriteTransaction, scope: NoteScope, input: { id: string; authorId: string; body: string; now: number; version: number }): Promise<boolean> {
  const params = { id: input.id, tenantId: scope.tenantId, ctx: scope.ctx, authorId: input.authorId, version: input.version, body: input.body, now: input.now, nextVersion: input.version + 1 };
  return (await tx.changes(updateBody, params)) > 0;
}

const deleteOwnVersion = transactionStatement<OwnVersion>(OWN_VERSION, (db, p) => ownVersion(db, p).delete());

/** Likewise: deletes only the version the caller saw. */
export async function deleteNote(tx: WriteTransaction, scope: NoteScope, input: { id: string; authorId: string; version: number }): Promise<boolean> {
  return (await tx.changes(deleteOwnVersion, { id: input.id, tenantId: scope.tenantId, ctx: scope.ctx, authorId: input.authorId, version: input.version })) > 0;
}

/** The notes of these ids that still exist in the scope (live streams send them by the events that name them). */
export async function findNotesById(db: Db, scope: NoteScope, ids: string[]): Promise<NoteRow[]> {
  if (ids.length === 0) return [];
  const rows = await scoped(db, scope).whereIn('notes.id', ids);
  return rows.map(fromRow);
}
