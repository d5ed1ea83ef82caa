import type { Knex } from 'knex';
import { WalSync } from './walSync.ts';

// Durable commits on SQLite that do not stall the event loop.
//
// With synchronous=FULL, better-sqlite3 fsyncs the WAL inside every commit, on
// the event loop: about 0.6 ms each on this hardware, during which no other
// request is served (a launch made three). Here the writer connection runs with
// synchronous=OFF and wal_autocheckpoint=0 (connect.ts), and the query that
// ends a write (an autocommit statement, or a transaction's COMMIT) resolves
// only after the WAL has been fsynced on libuv's thread pool (walSync.ts):
// nothing is acknowledged before it is on disk, exactly as with FULL, and the
// event loop serves other requests meanwhile. The writer connection does not
// wait for that fsync either: the next write runs while it is in flight, and
// the writes made meanwhile share the next fsync (group commit, below).
//
// What OFF would otherwise give up, done here instead:
// - checkpoints (copying the WAL into the database file) switch the connection
//   to FULL for their duration, so the database file is synced before SQLite
//   may reuse the WAL; one every CHECKPOINT_EVERY commits, on the event loop as
//   SQLite's own automatic checkpoint was;
// - closing switches back to FULL: the last connection to close checkpoints
//   and deletes the WAL.
// One difference from FULL: another request may read a commit, or write after
// it, in the moment between its write and its fsync. Nothing is acknowledged in
// that moment (a later write waits for an fsync that covers both): a power loss
// then can forget a write no one was told had happened.

const CHECKPOINT_EVERY = 200;

interface SqliteConnection {
  prepare(sql: string): { readonly: boolean };
  pragma(sql: string): unknown;
  close(): unknown;
  inTransaction: boolean;
}

interface Durability {
  wal: WalSync;
  /** Writes made since the last fsync (a transaction's, until it ends). */
  unsynced: boolean;
  /** The fsync an autocommit write waits for, taken by whoever releases the connection next: the one that wrote. */
  pending: Promise<void> | null;
  sinceCheckpoint: number;
}

const durable = new WeakMap<object, Durability>();

/** Called by connect.ts for each writer connection it opens with synchronous=OFF. */
export function makeCommitsDurable(conn: SqliteConnection, filename: string): void {
  const state: Durability = { wal: WalSync.forDatabase(filename), unsynced: false, pending: null, sinceCheckpoint: 0 };
  durable.set(conn, state);
  const close = conn.close.bind(conn);
  conn.close = () => {
    conn.pragma('synchronous = FULL');
    void state.wal.close();
    return close();
  };
}

/** The WAL sync behind a database's writer connection (tests count its fsyncs); null where there is none. */
export async function walSyncOf(db: Knex): Promise<WalSync | null> {
  const conn = await db.client.acquireConnection();
  try {
    return durable.get(conn)?.wal ?? null;
  } finally {
    await db.client.releaseConnection(conn);
  }
}

type Query = (this: QueryingClient, conn: SqliteConnection, obj: { sql: string }) => Promise<unknown>;
type Release = (this: unknown, conn: SqliteConnection) => Promise<unknown>;
type Begin = (this: unknown, ...args: unknown[]) => KnexTransaction;

/** The client a query runs through: `transacting` on a transaction's own client (knex makeTxClient). */
interface QueryingClient {
  transacting?: boolean;
  [COMMIT_SYNC]?: Promise<void>;
}

/** What these hooks touch of knex's Transaction (knex/lib/execution/transaction.js, knex 3). */
interface KnexTransaction {
  _promise: Promise<unknown>;
  trxClient?: QueryingClient;
  commit(conn: unknown, value: unknown): Promise<unknown>;
}

/**
 * Starts (or joins) the fsync that makes what `conn` has committed durable, and
 * checkpoints every CHECKPOINT_EVERY commits. Call with the connection still
 * held and outside a transaction; await the result only after releasing it.
 */
function syncWritten(conn: SqliteConnection, state: Durability): Promise<void> {
  const synced = state.wal.sync();
  // Awaited by the write's caller; this only keeps a failure from counting as unhandled meanwhile.
  synced.catch(() => {});
  if (++state.sinceCheckpoint >= CHECKPOINT_EVERY) {
    state.sinceCheckpoint = 0;
    // FULL for the checkpoint: it syncs the WAL before copying it, and the database file after.
    conn.pragma('synchronous = FULL');
    try {
      conn.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      conn.pragma('synchronous = OFF');
    }
  }
  return synced;
}

/**
 * For a write run on the writer connection without knex (writeTransaction.ts),
 * after its COMMIT: the fsync it must wait for before it is acknowledged, as
 * the hooks below give every knex write. Null on a connection that syncs
 * inside its commits (synchronous=FULL) or is not a writer of ours.
 */
export function syncCommitted(conn: object): Promise<void> | null {
  const state = durable.get(conn);
  if (!state) return null;
  state.unsynced = false;
  return syncWritten(conn as SqliteConnection, state);
}

const withDurableCommits = new WeakSet<Knex>();

/** Whether `db` is a SQLite file whose writer makes commits durable here (installDurableCommits ran on it). */
export const hasDurableCommits = (db: Knex): boolean => withDurableCommits.has(db);

const PATCHED = Symbol('durableCommits');
/** On a transaction's client: the fsync its COMMIT waits for. */
const COMMIT_SYNC = Symbol('commitSync');

/**
 * Makes every write wait for the disk before it is acknowledged, while the
 * writer connection goes on to the next write (group commit).
 *
 * When a query ends a write (an autocommit statement, or a COMMIT), an fsync of
 * the WAL is requested, or joined if one can still cover it (walSync.ts: an fsync
 * that starts after the call, at the end of the event loop's turn, so the writes
 * of one turn share it), and the query returns at once, so knex can hand
 * the connection to the next write. The wait happens where knex answers the
 * caller, after the connection is free:
 * - an autocommit statement: in releaseConnection, which knex's runner awaits
 *   before the query's promise resolves;
 * - a transaction: its promise (and a manual trx.commit()) resolves only after
 *   its COMMIT's fsync.
 * N writes that arrive while an fsync is in flight thus share the next one. A
 * later write may read an earlier one before its fsync, but is acknowledged
 * after it: the WAL is appended in order, and each fsync starts after the one
 * before it finished.
 *
 * A query run on a connection of its own (`.connection(conn)`) is never released
 * by knex's runner, so nothing would wait for its fsync: nothing on SQLite does
 * that (only the PostgreSQL migration lock, connect.ts).
 *
 * knex runs a transaction's queries through a client made from the dialect's
 * prototype, not through `db.client`, so the hooks go on that prototype, once;
 * they act only on connections registered by makeCommitsDurable (every other
 * connection passes through).
 */
export function installDurableCommits(db: Knex): void {
  withDurableCommits.add(db);
  const proto = Object.getPrototypeOf(db.client) as { _query: Query; releaseConnection: Release; transaction: Begin; [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;

  const query = proto._query;
  proto._query = async function (conn, obj) {
    const result = await query.call(this, conn, obj);
    const state = durable.get(conn);
    if (!state) return result;
    // Transaction control statements count as read-only; the writes inside mark the connection.
    if (!conn.prepare(obj.sql).readonly) state.unsynced = true;
    if (state.unsynced && !conn.inTransaction) {
      state.unsynced = false;
      const synced = syncWritten(conn, state);
      if (this.transacting) this[COMMIT_SYNC] = synced;
      else state.pending = synced;
    }
    return result;
  };

  // An autocommit write: the connection goes back to the pool first, then the caller waits.
  const release = proto.releaseConnection;
  proto.releaseConnection = async function (conn) {
    const state = durable.get(conn);
    const synced = state?.pending;
    if (state) state.pending = null;
    const released = await release.call(this, conn);
    await synced;
    return released;
  };

  // A transaction: resolved once its commit is on disk.
  const begin = proto.transaction;
  proto.transaction = function (...args) {
    const trx = begin.apply(this, args);
    const commitSynced = async <T>(value: T): Promise<T> => {
      await trx.trxClient?.[COMMIT_SYNC];
      return value;
    };
    trx._promise = trx._promise.then(commitSynced);
    const commit = trx.commit;
    trx.commit = (conn, value) => commit.call(trx, conn, value).then(commitSynced);
    return trx;
  };
}
