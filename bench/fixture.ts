import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { registerHs256Tenant, type HsTenant } from '../server/admin/tenants.ts';
import { parseDatabaseUrl } from '../server/config.ts';
import { createDb, migrateLatest } from '../server/db/connect.ts';
import { SecretBox } from '../server/secrets/secretBox.ts';
import { generateSecretsKey, parseSecretsKey } from '../server/secrets/secretsKey.ts';

// The database the bench runs on: a fresh SQLite file by default, or with
// DATABASE_URL=postgres://... a schema of its own in that database, dropped
// afterwards, so a bench never touches anyone's tables.

export interface BenchDatabase {
  /** What the widget server is started with. */
  url: string;
  label: string;
  tenant: HsTenant;
  /** The SECRETS_KEY the server is started with: it seals the tenant's secret. */
  secretsKey: string;
  cleanup(): Promise<void>;
}

export const BENCH_HOST_ORIGIN = 'https://host.bench.test';

export async function prepareDatabase(baseUrl: string | undefined): Promise<BenchDatabase> {
  const base = baseUrl?.trim() ? parseDatabaseUrl(baseUrl) : null;
  let url: string;
  let label: string;
  let cleanup: () => Promise<void>;

  if (base?.client === 'pg') {
    const schema = `widget_bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const admin = knex({ client: 'pg', connection: base.connectionString });
    try {
      await admin.raw('create schema ??', [schema]);
    } finally {
      await admin.destroy();
    }
    // libpq "options": every pooled connection of the server starts in the bench schema.
    const withSchema = new URL(base.connectionString);
    withSchema.searchParams.set('options', `-c search_path=${schema}`);
    url = withSchema.href;
    label = `PostgreSQL (schema ${schema})`;
    cleanup = async () => {
      const drop = knex({ client: 'pg', connection: base.connectionString });
      try {
        await drop.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await drop.destroy();
      }
    };
  } else {
    if (base !== null) throw new Error('The bench runs on a fresh database: leave DATABASE_URL unset (SQLite) or give a postgres:// URL.');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-bench-'));
    url = `sqlite:${path.join(dir, 'bench.sqlite')}`;
    label = 'SQLite (WAL, each write fsynced before it is acknowledged)';
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }

  const db = createDb(parseDatabaseUrl(url));
  try {
    const secretsKey = generateSecretsKey();
    const secrets = new SecretBox(parseSecretsKey(secretsKey)!);
    await migrateLatest(db, secrets);
    const tenant = await registerHs256Tenant(db, secrets, { issuer: 'bench-host', origins: [BENCH_HOST_ORIGIN], now: Date.now() });
    return { url, label, tenant, secretsKey, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  } finally {
    await db.destroy();
  }
}
