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
// event loop serves other requests meanwhile. Writes still go one at a time
// (knex holds the one writer connection until its query resolves).
//
// What OFF would otherwise give up, done here instead:
// - checkpoints (copying the WAL into the database file) switch the connection
//   to FULL for their duration, so the database file is synced before SQLite
//   may reuse the WAL; one every CHECKPOINT_EVERY commits, on the event loop as
//   SQLite's own automatic checkpoint was;
// - closing switches back to FULL: the last connection to close checkpoints
//   and deletes the WAL.
// One difference from FULL: another request may read a commit in the moment
// between its write and its fsync. Nothing is acknowledged in that moment: a
// power loss then can forget a write no one was told had happened.

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
  sinceCheckpoint: number;
}

const durable = new WeakMap<object, Durability>();

/** Called by connect.ts for each writer connection it opens with synchronous=OFF. */
export function makeCommitsDurable(conn: SqliteConnection, filename: string): void {
  const state: Durability = { wal: WalSync.forDatabase(filename), unsynced: false, sinceCheckpoint: 0 };
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

type Query = (this: unknown, conn: SqliteConnection, obj: { sql: string }) => Promise<unknown>;
const PATCHED = Symbol('durableCommits');

/**
 * Waits for the disk after each write query. knex runs a transaction's queries
 * through a client made from the dialect's prototype, not through `db.client`,
 * so the hook goes on that prototype, once; it acts only on connections
 * registered by makeCommitsDurable (every other connection passes through).
 */
export function installDurableCommits(db: Knex): void {
  const proto = Object.getPrototypeOf(db.client) as { _query: Query; [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const query = proto._query;
  proto._query = async function (this: unknown, conn, obj) {
    const result = await query.call(this, conn, obj);
    const state = durable.get(conn);
    if (!state) return result;
    // Transaction control statements count as read-only; the writes inside mark the connection.
    if (!conn.prepare(obj.sql).readonly) state.unsynced = true;
    if (state.unsynced && !conn.inTransaction) {
      state.unsynced = false;
      await state.wal.sync();
      if (++state.sinceCheckpoint >= CHECKPOINT_EVERY) {
        state.sinceCheckpoint = 0;
        conn.pragma('synchronous = FULL');
        try {
          conn.pragma('wal_checkpoint(PASSIVE)');
        } finally {
          conn.pragma('synchronous = OFF');
        }
      }
    }
    return result;
  };
}
