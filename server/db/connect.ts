import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { SecretBox } from '../secrets/secretBox.ts';
import { migrationSource } from './migrations/index.ts';
import { prepareSqliteFile } from './sqliteFile.ts';
import { installDurableCommits, makeCommitsDurable } from './durableCommits.ts';
import { attachSqliteReader } from './sqliteReader.ts';
import { boundPageCache } from './sqlitePageCache.ts';

// int8 (COUNT, bigint epoch-ms columns) arrives as a string from pg; every such
// value we store is an epoch-ms timestamp or a count, well inside 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export type Db = Knex;

// A refused or unroutable database fails the connect within 4 s, before the
// pool's 5 s wait for a free connection gives up with a vaguer message.
const CONNECT_TIMEOUT_MS = 4000;
const ACQUIRE_TIMEOUT_MS = 5000;

// knex prints its warnings (a failed connection, with a stack trace) to stdout,
// among the JSON log lines: keep them to one line on stderr.
const oneLine = (message: unknown) => String(message instanceof Error ? message.message : message).split('\n')[0];
const knexLog = {
  warn: (message: unknown) => console.error(`knex: ${oneLine(message)}`),
  error: (message: unknown) => console.error(`knex: ${oneLine(message)}`),
  deprecate: (method: string, alternative: string) => console.error(`knex: ${method} is deprecated, use ${alternative}`),
  debug: () => {},
};

/**
 * `secrets`: for the knex CLI, which migrates through this config (migrateLatest passes its own).
 * `deferredSync`: the caller makes every write durable itself (durableCommits.ts); only createDb does.
 */
export function knexConfig(database: DatabaseConfig, secrets?: SecretBox, { deferredSync = false } = {}): Knex.Config {
  if (database.client === 'sqlite') {
    // Here rather than in createDb: the knex CLI opens the file through this config alone.
    if (database.filename !== ':memory:') prepareSqliteFile(database.filename);
    return {
      client: 'better-sqlite3',
      log: knexLog,
      connection: { filename: database.filename },
      useNullAsDefault: true,
      pool: {
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets readers run beside the writer. An acknowledged write must survive
          // kill -9 and power loss: synchronous=FULL fsyncs the WAL inside every commit,
          // on the event loop; with deferredSync the WAL is fsynced off it before the
          // write's promise resolves, and checkpoints run on a FULL connection (durableCommits.ts).
          conn.pragma('journal_mode = WAL');
          conn.pragma(deferredSync ? 'synchronous = OFF' : 'synchronous = FULL');
          if (deferredSync) {
            conn.pragma('wal_autocheckpoint = 0');
            makeCommitsDurable(conn, database.filename);
          }
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          boundPageCache(conn);
          reusePreparedStatements(conn);
          done(null, conn);
        },
      },
      migrations: { migrationSource: migrationSource(secrets) },
      // Error messages reach the error log: keep the placeholders, not the bound
      // values (host user ids, note bodies, jtis).
      compileSqlOnError: false,
    };
  }
  return {
    client: 'pg',
    log: knexLog,
    connection: {
      connectionString: database.connectionString,
      // Sent as a startup parameter, so it is every session's default (and what RESET restores).
      statement_timeout: database.statementTimeoutMs,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    } as Knex.PgConnectionConfig,
    ...(database.schema ? { searchPath: [database.schema] } : {}),
    pool: { min: 0, max: database.poolMax },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    migrations: { migrationSource: migrationSource(secrets) },
    compileSqlOnError: false,
  };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): { readonly: boolean };
  close(): unknown;
  inTransaction: boolean;
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
  const cache = new Map<string, { readonly: boolean }>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql) as { readonly: boolean } | undefined;
    if (statement === undefined) {
      // Bounded: queries built with a variable number of values each have their own text.
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

/**
 * knex on the database. A SQLite file also gets the reader connection the per-request reads use
 * (sqliteReader.ts), and durable commits that wait for the disk off the event loop (durableCommits.ts).
 */
export function createDb(database: DatabaseConfig): Db {
  const file = database.client === 'sqlite' && database.filename !== ':memory:' ? database.filename : null;
  const db = knex(knexConfig(database, undefined, { deferredSync: file !== null }));
  if (file !== null) {
    attachSqliteReader(db, file);
    installDurableCommits(db);
  }
  return db;
}

/**
 * Runs pending migrations and names those it ran. On PostgreSQL several nodes may start at once: an
 * advisory lock lets one migrate while the others wait and then find nothing
 * to do (knex's own lock table fails the losers, and two nodes creating it at
 * once can even leave it with two rows that lock it for good).
 */
export async function migrateLatest(db: Db, secrets: SecretBox): Promise<string[]> {
  const source = migrationSource(secrets);
  // knex resolves with [batch number, names of the migrations it ran].
  const applied = ([, names]: [number, string[]]) => names;
  if (!isPostgres(db)) return applied(await db.migrate.latest({ migrationSource: source }));
  let names: string[] = [];
  const schema = postgresSchema(db);
  await withMigrationLock(db, schema ?? '', async () => {
    if (schema && !(await db('pg_namespace').where({ nspname: schema }).first())) {
      await db.raw('create schema if not exists ??', [schema]);
    }
    // A migration may rewrite a big table: the per-query timeout guards requests, not schema changes.
    // A migration that manages its own transactions (002) runs without one: nothing to set there.
    names = applied(
      await db.migrate.latest({
        migrationSource: source,
        beforeEach: async (trx: Knex) => {
          if (trx.isTransaction) await trx.raw('set local statement_timeout = 0');
        },
      }),
    );
  });
  return names;
}

/** Names of migrations not yet applied, read without creating anything (a production start must not write). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migrationSource().getMigrations([]);
  if (!(await db.schema.hasTable('knex_migrations'))) return all;
  const done = new Set((await db('knex_migrations').select('name')).map((row: { name: string }) => row.name));
  return all.filter((name) => !done.has(name));
}

export const isPostgres = (db: Db): boolean => db.client.config.client === 'pg';

function postgresSchema(db: Db): string | undefined {
  const searchPath = (db.client.config as Knex.Config).searchPath;
  return typeof searchPath === 'string' ? searchPath : searchPath?.[0];
}

// Arbitrary constant: the first half of the two-int advisory lock key, the
// second is the schema's hash so test schemas migrate in parallel.
const MIGRATION_LOCK_CLASS = 0x77647467;
const MIGRATION_LOCK_WAIT_MS = 120_000;

async function withMigrationLock(db: Db, schema: string, run: () => Promise<void>): Promise<void> {
  // The lock belongs to a session, so hold one connection for its whole life;
  // migrations run on the pool's other connections (hence DATABASE_POOL_MAX >= 2).
  const connection = await db.client.acquireConnection();
  const onLockConnection = (sql: string) => db.raw(sql, [MIGRATION_LOCK_CLASS, schema]).connection(connection);
  try {
    const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
    while (!(await onLockConnection('select pg_try_advisory_lock(?, hashtext(?)) as locked')).rows[0].locked) {
      if (Date.now() > deadline) {
        throw new Error(`another process has held the migration lock for over ${MIGRATION_LOCK_WAIT_MS / 1000} s; is a migration stuck?`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    try {
      await run();
    } finally {
      await onLockConnection('select pg_advisory_unlock(?, hashtext(?))');
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** The connection pool of a node, for metrics: connections in use and idle, callers waiting, the ceiling. */
export interface PoolStats {
  used: number;
  free: number;
  pendingAcquires: number;
  pendingCreates: number;
  max: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  max: number;
}

export function poolStats(db: Db): PoolStats | null {
  // knex's pool (tarn) is not part of its typed API; absent once the database is destroyed.
  const pool = (db.client as { pool?: TarnPool }).pool;
  if (!pool) return null;
  return { used: pool.numUsed(), free: pool.numFree(), pendingAcquires: pool.numPendingAcquires(), pendingCreates: pool.numPendingCreates(), max: pool.max };
}
