import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { migrationSource } from './migrations/index.ts';

// int8 (COUNT, bigint epoch-ms columns) arrives as a string from pg; every such
// value we store is an epoch-ms timestamp or a count, well inside 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export type Db = Knex;

export function knexConfig(database: DatabaseConfig): Knex.Config {
  if (database.client === 'sqlite') {
    return {
      client: 'better-sqlite3',
      connection: { filename: database.filename },
      useNullAsDefault: true,
      pool: {
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL
          // on every commit so an acknowledged write survives kill -9 and power loss.
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = FULL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          reusePreparedStatements(conn);
          done(null, conn);
        },
      },
      migrations: { migrationSource },
    };
  }
  return {
    client: 'pg',
    connection: { connectionString: database.connectionString, statement_timeout: 5000 } as Knex.PgConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 5000,
    migrations: { migrationSource },
  };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

const MAX_CACHED_STATEMENTS = 200;

/**
 * knex asks better-sqlite3 to prepare (parse and plan) every query afresh; the
 * app runs a few dozen distinct statements, and preparing them again was a
 * large share of each API call (see docs/benchmark.md). Statements are reused
 * per connection, keyed by their SQL text. knex only runs them with all() or
 * run(), which finish before returning, so one is never busy when reused;
 * SQLite re-prepares a cached statement by itself after a schema change.
 */
function reusePreparedStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      // Bounded: queries built with a variable number of values each have their own text.
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

export function createDb(database: DatabaseConfig): Db {
  if (database.client === 'sqlite' && database.filename !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(database.filename)), { recursive: true });
  }
  return knex(knexConfig(database));
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest();
}
