import type { Knex } from 'knex';
import { hasDurableCommits, syncCommitted } from './durableCommits.ts';
import type { BoundValue } from './preparedSelect.ts';
import type { TransactionStatement } from './transactionStatement.ts';

// A write transaction made of prepared statements (transactionStatement.ts).
// On a SQLite file it runs on knex's writer connection, taken from the pool for
// its whole length exactly as a knex transaction takes it, and is acknowledged
// after the fsync of its commit (durableCommits.ts); elsewhere it is a knex
// transaction. Either way the same body runs the same statements.


export interface WriteTransaction {
  /** The rows a statement returns: a select, or a write with RETURNING. */
  rows<P extends Record<string, BoundValue>, R>(statement: TransactionStatement<P, R>, params: P): Promise<R[]>;
  /** How many rows a write changed. */
  changes<P extends Record<string, BoundValue>>(statement: TransactionStatement<P, unknown>, params: P): Promise<number>;
}

interface SqliteStatement {
  readonly: boolean;
  reader: boolean;
  all(params?: object): unknown[];
  run(params?: object): { changes: number };
}

interface SqliteWriter {
  prepare(sql: string): SqliteStatement;
  inTransaction: boolean;
}

/** Runs `body` in one transaction; resolves once its commit is durable. */
export function inWriteTransaction<T>(db: Knex, body: (tx: WriteTransaction) => Promise<T>): Promise<T> {
  return hasDurableCommits(db) ? onSqliteWriter(db, body) : db.transaction((trx) => body(knexTransaction(trx)));
}

function knexTransaction(trx: Knex.Transaction): WriteTransaction {
  return {
    async rows(statement, params) {
      const rows: unknown = await statement.build(trx, params);
      // A write without RETURNING answers with a count or a driver result, not rows.
      return (Array.isArray(rows) ? rows : []) as never[];
    },
    async changes(statement, params) {
      const result = (await statement.build(trx, params)) as unknown;
      // knex answers an update or delete with a count, an insert with rows or a driver result.
      if (typeof result === 'number') return result;
      if (Array.isArray(result)) return result.length;
      return Number((result as { rowCount?: number } | undefined)?.rowCount ?? 0);
    },
  };
}

async function onSqliteWriter<T>(db: Knex, body: (tx: WriteTransaction) => Promise<T>): Promise<T> {
  const conn = (await db.client.acquireConnection()) as SqliteWriter;
  let wrote = false;
  // connect.ts keeps what the connection prepares by its SQL text: this finds it again.
  const prepare = (statement: TransactionStatement<Record<string, BoundValue>, unknown>) => {
    const stmt = conn.prepare(statement.sqlFor(db));
    if (!stmt.readonly) wrote = true;
    return stmt;
  };
  const tx: WriteTransaction = {
    async rows(statement, params) {
      const stmt = prepare(statement as TransactionStatement<Record<string, BoundValue>, unknown>);
      return (stmt.reader ? stmt.all(params) : (stmt.run(params), [])) as never[];
    },
    async changes(statement, params) {
      return prepare(statement as TransactionStatement<Record<string, BoundValue>, unknown>).run(params).changes;
    },
  };
  let value: T;
  let synced: Promise<void> | null = null;
  try {
    // IMMEDIATE: take the write lock now, not at the first write (another node on the same file waits here, in busy_timeout).
    conn.prepare('BEGIN IMMEDIATE').run();
    try {
      value = await body(tx);
      conn.prepare('COMMIT').run();
    } catch (err) {
      if (conn.inTransaction) conn.prepare('ROLLBACK').run();
      throw err;
    }
    // Only reads ran: nothing of this transaction is in the WAL to wait for.
    if (wrote) synced = syncCommitted(conn);
  } finally {
    await db.client.releaseConnection(conn);
  }
  await synced;
  return value;
}
