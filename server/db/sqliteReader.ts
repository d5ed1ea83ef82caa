import type { Knex } from 'knex';
import { boundPageCache } from './sqlitePageCache.ts';

// The per-request reads on SQLite (the session check, a page of notes) run on a
// connection of their own, outside knex's pool (one connection, shared with
// every write). In WAL mode a reader sees the last committed state and never
// waits for the writer: it cannot see a write transaction's rows before they
// commit, and it is not held up by a launch transaction that is between two of
// its statements. `query_only` makes sure nothing is ever written through it.

export interface SqliteStatement {
  all(params: object): unknown[];
}

interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  pragma(sql: string): unknown;
  close(): void;
}

type SqliteDriver = new (filename: string, options: { fileMustExist: boolean }) => SqliteDatabase;

interface Reader {
  filename: string;
  open: SqliteDatabase | null;
}

const readers = new WeakMap<Knex, Reader>();

/**
 * Gives `db` (a knex instance on a SQLite file) a reader connection, opened at
 * its first use and closed by `db.destroy()`. connect.ts calls this for every
 * SQLite database it creates.
 */
export function attachSqliteReader(db: Knex, filename: string): void {
  const reader: Reader = { filename, open: null };
  readers.set(db, reader);
  // db.destroy() ends in client.destroy() (knex's own destroy is a read-only property).
  const client = db.client as { destroy(callback?: unknown): Promise<void> };
  const destroy = client.destroy.bind(client);
  client.destroy = (callback?: unknown) => {
    reader.open?.close();
    reader.open = null;
    readers.delete(db);
    return destroy(callback);
  };
}

/** Whether `db` reads through a reader connection (a SQLite file): nothing is opened to answer. */
export const hasSqliteReader = (db: Knex): boolean => readers.has(db);

/** The reader connection of `db`, or null when it has none (PostgreSQL, an in-memory SQLite database, a destroyed db). */
export function sqliteReader(db: Knex): SqliteDatabase | null {
  const reader = readers.get(db);
  if (!reader) return null;
  if (!reader.open) {
    // The driver knex loaded (better-sqlite3): the same build, no second import path.
    const Driver = (db.client as { driver: SqliteDriver }).driver;
    const conn = new Driver(reader.filename, { fileMustExist: true });
    conn.pragma('busy_timeout = 5000');
    conn.pragma('query_only = ON');
    boundPageCache(conn);
    reader.open = conn;
  }
  return reader.open;
}
