import type { Knex } from 'knex';
import type { Db } from './connect.ts';
import { literalLimit, preparedSelect, type Params, type PreparedSelect } from './preparedSelect.ts';

export interface NoteRow {
  id: string;
  tenantId: string;
  ctx: string;
  authorId: string;
  authorName: string | null;
  body: string;
  createdAt: number;
  updatedAt: number;
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
  body: string;
  created_at: number | string;
  updated_at: number | string;
}

const COLUMNS = ['notes.id', 'notes.tenant_id', 'notes.ctx', 'notes.author_id', 'users.display_name', 'notes.body', 'notes.created_at', 'notes.updated_at'];

const fromRow = (r: RawNote): NoteRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  ctx: r.ctx,
  authorId: r.author_id,
  authorName: r.display_name,
  body: r.body,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
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

export async function insertNote(db: Db, note: Omit<NoteRow, 'authorName'>): Promise<void> {
  await db('notes').insert({
    id: note.id,
    tenant_id: note.tenantId,
    ctx: note.ctx,
    author_id: note.authorId,
    body: note.body,
    created_at: note.createdAt,
    updated_at: note.updatedAt,
  });
}

/** Author-only by construction: a note by someone else is never touched, even in a race with the route's check. */
export async function updateNoteBody(db: Db, scope: NoteScope, input: { id: string; authorId: string; body: string; now: number }): Promise<boolean> {
  const changed = await db('notes')
    .where({ id: input.id, tenant_id: scope.tenantId, ctx: scope.ctx, author_id: input.authorId })
    .update({ body: input.body, updated_at: input.now });
  return changed > 0;
}

export async function deleteNote(db: Db, scope: NoteScope, input: { id: string; authorId: string }): Promise<boolean> {
  const deleted = await db('notes').where({ id: input.id, tenant_id: scope.tenantId, ctx: scope.ctx, author_id: input.authorId }).delete();
  return deleted > 0;
}
