import type { Knex } from 'knex';
import { preparedSqlOf, type BoundValue, type Params } from './preparedSelect.ts';

// A statement of a write transaction (writeTransaction.ts), written once as a
// knex query over its parameters, as preparedSelect.ts does for reads. On a
// SQLite file it is compiled once, with named placeholders (`@noteId`), and runs
// as a prepared statement on the writer connection: a note create cost about
// as much in knex (building and compiling five queries, its transaction
// machinery) as in SQLite (docs/benchmark.md). Elsewhere (PostgreSQL, an
// in-memory SQLite database) the same builder runs through knex with the values.


export interface TransactionStatement<P extends Record<string, BoundValue>, R> {
  readonly names: readonly (keyof P & string)[];
  readonly build: (db: Knex, params: Params<P>) => Knex.QueryBuilder | Knex.Raw;
  /** The SQL text on SQLite, compiled at first use (per knex instance: the dialect compiles it). */
  sqlFor(db: Knex): string;
  /** Carries the row type; never set. */
  readonly rowType?: R;
}

/**
 * `names` lists every key of P. Constants must be written as `db.raw('1')`, not
 * as values: a bound value would be positional where the statement binds by
 * name (preparedSqlOf refuses it when compiling).
 */
export function transactionStatement<P extends Record<string, BoundValue>, R = never>(
  names: readonly (keyof P & string)[],
  build: (db: Knex, params: Params<P>) => Knex.QueryBuilder | Knex.Raw,
): TransactionStatement<P, R> {
  const compiled = new WeakMap<Knex, string>();
  return {
    names,
    build,
    sqlFor(db) {
      let sql = compiled.get(db);
      if (sql === undefined) {
        sql = preparedSqlOf(db, names, build as (db: Knex, params: Params<P>) => Knex.QueryBuilder);
        compiled.set(db, sql);
      }
      return sql;
    },
  };
}
