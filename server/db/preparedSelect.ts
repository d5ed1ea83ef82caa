import type { Knex } from 'knex';
import { hasSqliteReader, sqliteReader, type SqliteStatement } from './sqliteReader.ts';

// Reads that run on every request, as statements that stay prepared.
//
// Through knex, one session lookup cost about 40 us where the same prepared
// statement costs under 10: knex compiles the query on every call, and its
// `.first()` binds `limit ?`. SQLite plans with the LIMIT's value, so binding
// it again marks the statement expired and SQLite re-prepares it on the next
// run: the statement cache never helped those queries (docs/benchmark.md).
//
// A prepared select is written once, as a knex query over its parameters. On
// SQLite it is compiled once, with named placeholders (`@sid`) and a literal
// LIMIT, and prepared once per database on its reader connection
// (sqliteReader.ts); each call only binds and steps. On PostgreSQL the same
// builder runs through knex with the values, as every other query does.

// null binds as SQL NULL: an empty column in a write (in a where clause it matches nothing, as "= NULL" does).
export type BoundValue = string | number | null;

/** A parameter as the builder sees it: the value (PostgreSQL) or a named placeholder (SQLite). */
export type Params<P extends Record<string, BoundValue>> = { [K in keyof P]: P[K] | Knex.Raw };

export type SelectBuilder<P extends Record<string, BoundValue>> = (db: Knex, params: Params<P>) => Knex.QueryBuilder;

export type PreparedSelect<P extends Record<string, BoundValue>, R> = (db: Knex, params: P) => Promise<R[]>;

/**
 * `names` lists every key of P: the placeholders are made from it. The builder
 * must not call `.limit(n)` or `.first()` (both bind the value): use
 * `literalLimit(query, n)`.
 */
export function preparedSelect<P extends Record<string, BoundValue>, R>(names: readonly (keyof P & string)[], build: SelectBuilder<P>): PreparedSelect<P, R> {
  const statements = new WeakMap<Knex, SqliteStatement>();
  return async (db, params) => {
    if (!hasSqliteReader(db)) return (await build(db, params)) as R[];
    let statement = statements.get(db);
    if (!statement) {
      const reader = sqliteReader(db);
      if (!reader) throw new Error('the database was destroyed');
      statement = reader.prepare(preparedSqlOf(db, names, build));
      statements.set(db, statement);
    }
    return statement.all(params) as R[];
  };
}

/** The SQL text a prepared select runs on SQLite, with no bound values: the same on every call. */
export function preparedSqlOf<P extends Record<string, BoundValue>>(db: Knex, names: readonly (keyof P & string)[], build: SelectBuilder<P>): string {
  const placeholders = Object.fromEntries(names.map((name) => [name, db.raw(`@${name}`)])) as Params<P>;
  const { sql, bindings } = build(db, placeholders).toSQL().toNative();
  // A bound value would be positional, where the statement binds by name: refuse it here, not at run time.
  if (bindings.length > 0) throw new Error(`a prepared select bound ${bindings.length} value(s) positionally (a .limit()?): ${sql}`);
  return sql;
}

/** LIMIT n written into the SQL text instead of bound, so the statement it is in stays prepared. */
export function literalLimit<Q extends Knex.QueryBuilder>(query: Q, n: number): Q {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a row count: ${n}`);
  return query.limit(n, { skipBinding: true }) as Q;
}
