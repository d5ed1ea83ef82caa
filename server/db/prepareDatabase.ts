import path from 'node:path';
import type { DatabaseConfig } from '../config.ts';
import type { SecretBox } from '../secrets/secretBox.ts';
import { migrateLatest, pendingMigrations, type Db } from './connect.ts';
import { unreadableSecrets } from './sealedSecrets.ts';

/** Startup failures an operator fixes in the deployment, said in words (never with the password). */
export class DatabaseStartupError extends Error {
  override name = 'DatabaseStartupError';
}

/** Where the database is, for messages: host, port, database and user, never the password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `SQLite file ${path.resolve(database.filename)}`;
  let url: URL;
  try {
    url = new URL(database.connectionString);
  } catch {
    return 'PostgreSQL (DATABASE_URL could not be parsed)';
  }
  const host = url.hostname || 'localhost';
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  const user = url.username ? `, user ${decodeURIComponent(url.username)}` : '';
  const schema = database.schema ? `, schema ${database.schema}` : '';
  return `PostgreSQL at ${host}:${url.port || '5432'}, database ${name}${user}${schema}`;
}

// Connection errors carry a code (ECONNREFUSED, 28P01, 3D000...); an
// AggregateError from a dual-stack connect has an empty message.
function reasonOf(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.trim() : '';
  if (text && typeof code === 'string' && !text.includes(code)) return `${text} (${code})`;
  return text || (typeof code === 'string' ? code : String(err));
}

/**
 * Answers whether the database is usable before the server listens: reachable,
 * migrated, and every stored secret readable with the configured keys;
 * resolves with the migrations it ran. Outside production (MIGRATE_ON_START
 * defaults to true) it migrates; in production it refuses to start on pending
 * migrations, which an operator runs once with `npm run migrate`, not every node on its own.
 */
export async function prepareDatabase(db: Db, options: { database: DatabaseConfig; migrateOnStart: boolean; secrets: SecretBox }): Promise<{ migrated: string[] }> {
  const where = describeDatabase(options.database);
  try {
    await db.raw('select 1');
  } catch (err) {
    throw new DatabaseStartupError(`cannot reach the database (${where}): ${reasonOf(err)}`);
  }
  let migrated: string[] = [];
  if (options.migrateOnStart) {
    try {
      migrated = await migrateLatest(db, options.secrets);
    } catch (err) {
      throw new DatabaseStartupError(`migrating the database (${where}) failed: ${reasonOf(err)}`);
    }
  } else {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      throw new DatabaseStartupError(
        `the database (${where}) has ${pending.length} pending migration(s): ${pending.join(', ')}. ` +
          'Run `npm run migrate` with the same DATABASE_URL, then start the server (or set MIGRATE_ON_START=true).',
      );
    }
  }
  // Found now rather than at the first launch or token check: a key left out of the configuration.
  const unreadable = await unreadableSecrets(db, options.secrets);
  if (unreadable.length > 0) {
    throw new DatabaseStartupError(
      `the database (${where}) holds secrets that the configured keys cannot open: ${unreadable.join('; ')}. ` +
        `Secrets are sealed with key id ${options.secrets.keyId} (SECRETS_KEY); add the key they were sealed with to SECRETS_KEY_PREVIOUS, ` +
        'or run `npm run secrets -- rotate` to seal values stored in clear.',
    );
  }
  return { migrated };
}
