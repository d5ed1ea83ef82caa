import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../server/config.ts';
import type { SecretBox } from '../../server/secrets/secretBox.ts';
import { generateSecretsKey, openSecretBox } from '../../server/secrets/secretsKey.ts';

// Which database the suite runs on: vite.config.ts starts the integration
// tests twice, once per database, with TEST_DATABASE set.
export type TestDatabaseKind = 'sqlite' | 'pg';
export const TEST_DATABASE: TestDatabaseKind = process.env.TEST_DATABASE === 'pg' ? 'pg' : 'sqlite';
export const TEST_PG_URL = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Test schemas are named so a later run can tell its own leftovers (and their age) from anything else. */
const SCHEMA_PREFIX = 'widget_test_';

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** DATABASE_URL (and DATABASE_SCHEMA), and the SECRETS_KEY its secrets are sealed with, for loadConfig() or a child process. */
  env: Record<string, string>;
  /** Removes the database: the temp dir, or the schema with everything in it. */
  drop(): Promise<void>;
}

async function withPgClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of its own: a SQLite file, or a PostgreSQL schema, so parallel tests never collide. */
export async function createTestDatabase(kind: TestDatabaseKind = TEST_DATABASE): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-test-'));
    return {
      kind,
      env: { DATABASE_URL: `sqlite:${path.join(dir, 'test.sqlite')}`, SECRETS_KEY: generateSecretsKey() },
      async drop() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `${SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_${crypto.randomBytes(5).toString('hex')}`;
  await withPgClient((client) => client.query(`create schema "${schema}"`));
  return {
    kind,
    // A small pool: many test apps share one PostgreSQL (max_connections).
    env: { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_MAX: '4', SECRETS_KEY: generateSecretsKey() },
    async drop() {
      await withPgClient((client) => client.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

/** The box a server started with `env` seals and opens stored secrets with. */
export const secretBoxFor = (env: Record<string, string>): SecretBox => openSecretBox(loadConfig(env).secrets).box;

/** Null when PostgreSQL answers, else why not (for the skip notice or the CI failure). */
export async function postgresUnavailableReason(): Promise<string | null> {
  try {
    await withPgClient((client) => client.query('select 1'));
    return null;
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    return `PostgreSQL is not reachable at ${new URL(TEST_PG_URL).host} (${message || code || String(err)})`;
  }
}

/** Drops schemas left by test runs that crashed more than an hour ago (other runs may be going on right now). */
export async function dropStaleTestSchemas(): Promise<number> {
  const cutoff = Math.floor(Date.now() / 1000) - 3600;
  return withPgClient(async (client) => {
    const { rows } = await client.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [`${SCHEMA_PREFIX}%`]);
    let dropped = 0;
    for (const { nspname } of rows) {
      const created = Number(/^widget_test_(\d+)_/.exec(nspname)?.[1]);
      if (created < cutoff) {
        await client.query(`drop schema if exists "${nspname}" cascade`);
        dropped++;
      }
    }
    return dropped;
  });
}
