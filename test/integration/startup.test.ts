import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TENANT_ISSUER, registerHs256Tenant } from '../../server/admin/tenants.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, migrateLatest, pendingMigrations } from '../../server/db/connect.ts';
import { APP_VERSION } from '../../server/version.ts';
import { freePort, runServerUntilExit, serverTestDatabase, startServer } from '../helpers/childServer.ts';
import { createTestDatabase, secretBoxFor, TEST_DATABASE, type TestDatabase } from '../helpers/testDatabase.ts';

const run = promisify(execFile);

// Independent of the suite's database (it needs no PostgreSQL at all), so it runs once, in the sqlite project.
describe.skipIf(TEST_DATABASE === 'pg')('an unreachable database', () => {
  it('stops the server at once with the host and port, never the password', async () => {
    const closedPort = await freePort();
    const result = await runServerUntilExit({
      PORT: String(await freePort()),
      HARNESS_PORT: 'off',
      DATABASE_URL: `postgres://widget:hunter2-secret@127.0.0.1:${closedPort}/widget`,
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`cannot reach the database (PostgreSQL at 127.0.0.1:${closedPort}, database widget, user widget)`);
    expect(result.output).toContain('ECONNREFUSED');
    expect(result.output).not.toContain('hunter2');
    // It gave up by itself (no retry loop kept it waiting until the hang bound killed it).
    expect(result.killed).toBe(false);
  });
});

describe('pending migrations in production', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...database.env, NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example', HOST: '127.0.0.1' };
  });
  afterAll(() => database.drop());

  it('refuses to start, names the migrations and changes nothing', async () => {
    const result = await runServerUntilExit({ ...env, PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.output).toContain('7 pending migration(s): 001_initial, 002_secrets_at_rest, 003_note_versions, 004_lti, 005_note_event_retention, 006_note_log_without_rowid, 007_launch_rows_without_rowid');
    expect(result.output).toContain('npm run migrate');

    const db = createDb(loadConfig(env).database);
    try {
      expect(await db.schema.hasTable('knex_migrations')).toBe(false);
      expect(await db.schema.hasTable('tenants')).toBe(false);
      expect(await pendingMigrations(db)).toEqual(['001_initial', '002_secrets_at_rest', '003_note_versions', '004_lti', '005_note_event_retention', '006_note_log_without_rowid', '007_launch_rows_without_rowid']);
    } finally {
      await db.destroy();
    }
  });

  it('starts once `npm run migrate` has run', async () => {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'server/cli/widgetAdmin.ts', 'migrate'], { env: { PATH: process.env.PATH ?? '', ...env } });
    expect(stderr).toContain('database is up to date');

    // Through tsx, as `npm start` runs it: the one child-server test of the TypeScript entry.
    const server = await startServer(env, { typescript: true });
    try {
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await server.stop();
    }
  });
});

describe('a database from development, started in production', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const db = createDb(loadConfig(database.env).database);
    try {
      await migrateLatest(db, secretBoxFor(database.env));
      await registerHs256Tenant(db, secretBoxFor(database.env), { issuer: DEV_TENANT_ISSUER, origins: ['http://127.0.0.1:3001'], now: Date.now() });
    } finally {
      await db.destroy();
    }
  });
  afterAll(() => database.drop());

  it('refuses to start while the development tenant is there, and says how to remove it', async () => {
    const result = await runServerUntilExit({ ...database.env, NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example', HOST: '127.0.0.1', PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.output).toContain('the database holds the development tenant "dev-harness"');
    expect(result.output).toContain('npm run tenant -- remove --issuer dev-harness');
  });
});

describe('start-up lines in the structured log', () => {
  const database = serverTestDatabase();

  it('say which database, which migrations ran, the development tenant and the URLs, as JSON on stdout', async () => {
    const [harnessPort, metricsPort] = [await freePort(), await freePort()];
    const server = await startServer({ ...database().env, HARNESS_PORT: String(harnessPort), METRICS_PORT: String(metricsPort) });
    // The harness listens just after /healthz first answers.
    await expect.poll(() => server.output(), { timeout: 60_000 }).toContain('"event":"listening"');
    await server.stop();
    const records = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byEvent = (event: string) => records.find((r) => r.event === event);
    expect(byEvent('starting')).toMatchObject({ level: 'info', version: APP_VERSION, pid: expect.any(Number), production: false });
    expect(byEvent('database')).toMatchObject({ database: expect.stringMatching(/^(SQLite file|PostgreSQL at)/) });
    expect(byEvent('migrated')).toMatchObject({ migrations: ['001_initial', '002_secrets_at_rest', '003_note_versions', '004_lti', '005_note_event_retention', '006_note_log_without_rowid', '007_launch_rows_without_rowid'] });
    expect(byEvent('dev_tenant')).toMatchObject({ issuer: 'dev-harness', tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/), origins: [`http://127.0.0.1:${harnessPort}`] });
    expect(byEvent('listening')).toMatchObject({
      url: `http://localhost:${new URL(server.url).port}`,
      harness: `http://127.0.0.1:${harnessPort}/`,
      metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    });
    // The development tenant's secret stays in the database.
    expect(server.output()).not.toMatch(/"secret"/);
    // The human-readable lines are still there, on stderr.
    expect(server.output()).toContain('harness (fake host platform)');
  });
});
