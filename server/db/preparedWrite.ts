import type { Knex } from 'knex';
import { committedOutsideKnex } from './durableCommits.ts';

// The writes of a launch (its jti, the user, the session: one transaction) as
// statements that stay prepared on SQLite, in a transaction that bypasses
// knex's.
//
// Through knex, that transaction cost about 0.7-0.9 ms of CPU before its fsync
// (issue 17, docs/benchmark.md): knex builds a new knex instance for every
// transaction (about 60 properties defined, much of a launch's garbage), and
// compiles each query again. Here, as for the per-request reads
// (preparedSelect.ts), each write is written once as a knex query over its
// parameters: on SQLite it is compiled once with named placeholders and
// prepared once per connection; on PostgreSQL the same builder runs through a
// knex transaction with the values, as every other query does.
//
// On SQLite the transaction holds the writer connection taken from knex's pool
// (so no other write can run inside it), and is made durable as every other
// write is (durableCommits.ts): it resolves only after an fsync of the WAL that
// holds its commit, and the connection is free for the next write meanwhile.

type Value = string | number | null;

/** A parameter as the builder sees it: the value (PostgreSQL) or a named placeholder (SQLite). */
export type WriteParams<P extends Record<string, Value>> = { [K in keyof P]: P[K] | Knex.Raw };

export interface PreparedWrite<P extends Record<string, Value>, R> {
  /** Every key of P: the placeholders are made from it. */
  names: readonly (keyof P & string)[];
  build: (db: Knex, params: WriteParams<P>) => Knex.QueryBuilder;
  /** Marks R, the row type a RETURNING clause gives. */
  readonly rows?: R;
}

/** A write on the hot path. The builder must bind nothing of its own (no .limit(n)): every value is a parameter. */
export const preparedWrite = <P extends Record<string, Value>, R = never>(names: readonly (keyof P & string)[], build: PreparedWrite<P, R>['build']): PreparedWrite<P, R> => ({
  names,
  build,
});

/** Runs prepared writes inside one transaction; the rows are those of a RETURNING clause (none without). */
export interface WriteTransaction {
  run<P extends Record<string, Value>, R>(write: PreparedWrite<P, R>, params: P): Promise<R[]>;
}

interface SqliteStatement {
  reader: boolean;
  run(params: object): unknown;
  all(params: object): unknown[];
}

interface SqliteWriter {
  prepare(sql: string): SqliteStatement;
  inTransaction: boolean;
}

const isBetterSqlite = (db: Knex) => db.client.config.client === 'better-sqlite3';

/** The SQL text of a write on SQLite, with named placeholders and no bound value: the same on every call. */
const sqliteSqlCache = new WeakMap<Knex, WeakMap<PreparedWrite<never, unknown>, string>>();
function sqliteSqlOf<P extends Record<string, Value>, R>(db: Knex, write: PreparedWrite<P, R>): string {
  let texts = sqliteSqlCache.get(db);
  if (!texts) sqliteSqlCache.set(db, (texts = new WeakMap()));
  let sql = texts.get(write as unknown as PreparedWrite<never, unknown>);
  if (sql === undefined) {
    const placeholders = Object.fromEntries(write.names.map((name) => [name, db.raw(`@${name}`)])) as WriteParams<P>;
    const compiled = write.build(db, placeholders).toSQL().toNative();
    // A bound value would be positional, where the statement binds by name: refuse it here, not at run time.
    if (compiled.bindings.length > 0) throw new Error(`a prepared write bound ${compiled.bindings.length} value(s) positionally: ${compiled.sql}`);
    sql = compiled.sql;
    texts.set(write as unknown as PreparedWrite<never, unknown>, sql);
  }
  return sql;
}

/**
 * Runs `body` in one transaction and resolves with its result once the
 * transaction is committed and durable; a throw rolls it back. On SQLite the
 * body must not wait for anything but its own writes: it holds the only writer
 * connection meanwhile.
 */
export async function inWriteTransaction<T>(db: Knex, body: (trx: WriteTransaction) => Promise<T>): Promise<T> {
  if (!isBetterSqlite(db)) {
    return db.transaction((trx) =>
      body({
        run: async <P extends Record<string, Value>, R>(write: PreparedWrite<P, R>, params: P) => {
          const rows: unknown = await write.build(trx, params);
          return (Array.isArray(rows) ? rows : []) as R[];
        },
      }),
    );
  }
  // The connection's own prepare keeps statements by SQL text (connect.ts).
  const conn = (await db.client.acquireConnection()) as SqliteWriter;
  try {
    // IMMEDIATE: the write lock is taken now, so a statement inside never meets another process's writer.
    conn.prepare('BEGIN IMMEDIATE').run({});
    let result: T;
    try {
      result = await body({
        run: async <P extends Record<string, Value>, R>(write: PreparedWrite<P, R>, params: P) => {
          const statement = conn.prepare(sqliteSqlOf(db, write));
          if (statement.reader) return statement.all(params) as R[];
          statement.run(params);
          return [];
        },
      });
      conn.prepare('COMMIT').run({});
    } catch (err) {
      if (conn.inTransaction) conn.prepare('ROLLBACK').run({});
      throw err;
    }
    committedOutsideKnex(conn);
    return result;
  } finally {
    // Waits for the commit's fsync after freeing the connection (durableCommits.ts).
    await db.client.releaseConnection(conn);
  }
}
