import type { Db } from './connect.ts';
import type { NoteScope } from './notes.ts';
import { literalLimit, preparedSelect } from './preparedSelect.ts';
import { transactionStatement } from './transactionStatement.ts';
import type { WriteTransaction } from './writeTransaction.ts';

// The change log of each thread (migration 003): a per-thread sequence that
// live streams resume from. Written in the same transaction as the change.

export type NoteEventKind = 'created' | 'updated' | 'deleted';

export interface NoteEventRow {
  seq: number;
  noteId: string;
  kind: NoteEventKind;
}

const bumpThreadSeq = transactionStatement<{ tenantId: string; ctx: string }, { seq: number | string }>(['tenantId', 'ctx'], (db, p) =>
  db('note_threads')
    .insert({ tenant_id: p.tenantId, ctx: p.ctx, seq: db.raw('1') })
    .onConflict(['tenant_id', 'ctx'])
    .merge({ seq: db.raw('note_threads.seq + 1') })
    .returning('seq'),
);

const insertEvent = transactionStatement<{ tenantId: string; ctx: string; seq: number; noteId: string; kind: NoteEventKind; now: number }>(
  ['tenantId', 'ctx', 'seq', 'noteId', 'kind', 'now'],
  (db, p) => db('note_events').insert({ tenant_id: p.tenantId, ctx: p.ctx, seq: p.seq, note_id: p.noteId, kind: p.kind, created_at: p.now }),
);

/**
 * Bumps the thread's sequence and records what changed at it; returns the new seq.
 * Call inside the change's transaction: on PostgreSQL the thread row stays
 * locked until commit, so a thread's changes commit in seq order.
 */
export async function recordNoteEvent(tx: WriteTransaction, scope: NoteScope, event: { noteId: string; kind: NoteEventKind; now: number }): Promise<number> {
  const [row] = await tx.rows(bumpThreadSeq, { tenantId: scope.tenantId, ctx: scope.ctx });
  const seq = Number(row!.seq);
  await tx.changes(insertEvent, { tenantId: scope.tenantId, ctx: scope.ctx, seq, noteId: event.noteId, kind: event.kind, now: event.now });
  return seq;
}

// Read on every launch and every first page (the launch page's cache is keyed by it): a statement that stays prepared.
const threadSeq = preparedSelect<{ tenantId: string; ctx: string }, { seq: number | string }>(['tenantId', 'ctx'], (db, p) =>
  literalLimit(db('note_threads').select('seq').where({ tenant_id: p.tenantId, ctx: p.ctx }), 1),
);

/** The thread's latest seq (0 before its first change). */
export async function currentNoteSeq(db: Db, scope: NoteScope): Promise<number> {
  const [row] = await threadSeq(db, { tenantId: scope.tenantId, ctx: scope.ctx });
  return row ? Number(row.seq) : 0;
}

/** Changes after `seq`, oldest first, at most `limit`. */
export async function noteEventsAfter(db: Db, scope: NoteScope, seq: number, limit: number): Promise<NoteEventRow[]> {
  const rows = (await db('note_events')
    .where({ tenant_id: scope.tenantId, ctx: scope.ctx })
    .andWhere('seq', '>', seq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .select('seq', 'note_id', 'kind')) as Array<{ seq: number | string; note_id: string; kind: NoteEventKind }>;
  return rows.map((r) => ({ seq: Number(r.seq), noteId: r.note_id, kind: r.kind }));
}

/** Whether the thread still keeps the change at `seq`: older changes are purged once no stream can resume from them. */
export async function hasNoteEvent(db: Db, scope: NoteScope, seq: number): Promise<boolean> {
  return (await db('note_events').where({ tenant_id: scope.tenantId, ctx: scope.ctx, seq }).first('seq')) !== undefined;
}

/** Forgets the changes recorded before `before` (epoch ms); returns how many. The thread's seq (note_threads) stays. */
export async function purgeNoteEventsBefore(db: Db, before: number): Promise<number> {
  return db('note_events').where('created_at', '<', before).del();
}
