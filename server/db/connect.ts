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
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL
          // on every commit so an acknowledged write survives kill -9 and power loss.
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = FULL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        },
      },
      migrations: { migrationSource },
      // Error messages reach the error log: keep the placeholders, not the bound
      // values (host user ids, note bodies, jtis).
      compileSqlOnError: false,
    };
  }
  return {
    client: 'pg',
    connection: { connectionString: database.connectionString, statement_timeout: 5000 } as Knex.PgConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 5000,
    migrations: { migrationSource },
    compileSqlOnError: false,
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
