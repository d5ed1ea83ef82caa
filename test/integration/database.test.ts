import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v4 as uuidv4 } from 'uuid';
import { AdminInputError } from '../../server/admin/adminInput.ts';
import { registerHs256Tenant } from '../../server/admin/tenants.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, migrateLatest, pendingMigrations, type Db } from '../../server/db/connect.ts';
import { recordLaunchJti } from '../../server/db/launchJtis.ts';
import { migrationSource } from '../../server/db/migrations/index.ts';
import { recordNoteEvent } from '../../server/db/noteEvents.ts';
import { findSessionState, insertSession, revokeSession } from '../../server/db/sessions.ts';
import { findTenantByIssuer } from '../../server/db/tenants.ts';
import { findOrCreateUser } from '../../server/db/users.ts';
import { inWriteTransaction } from '../../server/db/writeTransaction.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { createTestDatabase, secretBoxFor, TEST_DATABASE, type TestDatabase } from '../helpers/testDatabase.ts';

// The repositories on the database this run uses (SQLite, or PostgreSQL with
// TEST_DATABASE=pg): the same SQL has to mean the same thing on both.

const openDb = (database: TestDatabase): Db => createDb(loadConfig(database.env).database);

describe(`repositories on ${TEST_DATABASE}`, () => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = openDb(database);
    await migrateLatest(db, secretBoxFor(database.env));
    tenantId = (await registerHs256Tenant(db, secretBoxFor(database.env), { issuer: 'db-test', origins: ['https://host.example'], now: Date.now() })).id;
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('gives one user to concurrent first launches of one host user', async () => {
    const now = Date.now();
    const users = await Promise.all(
      Array.from({ length: 12 }, (_, i) => inWriteTransaction(db, (tx) => findOrCreateUser(tx, { tenantId, externalId: 'racer', name: `Racer ${i}`, now: now + i }))),
    );
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(users[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const rows = await db('users').where({ tenant_id: tenantId, external_id: 'racer' });
    expect(rows).toHaveLength(1);
  });

  it('changes no row when a launch brings the profile the user already has, and follows a new one', async () => {
    const launchAs = (name: string | null, picture: string | null, now: number) =>
      inWriteTransaction(db, (tx) => findOrCreateUser(tx, { tenantId, externalId: 'repeat', name, picture, now }));
    const first = await launchAs('Ada', 'https://host.example/ada.png', 1000);
    const stored = () => db('users').where({ tenant_id: tenantId, external_id: 'repeat' }).first();
    // Concurrent repeats too: each gets the row, none writes it.
    const again = await Promise.all([2000, 2001, 2002].map((now) => launchAs('Ada', 'https://host.example/ada.png', now)));
    expect(again).toEqual([first, first, first]);
    expect(Number((await stored()).updated_at)).toBe(1000);
    expect(await launchAs('Ada L.', 'https://host.example/ada.png', 3000)).toEqual({ ...first, name: 'Ada L.' });
    expect(await launchAs('Ada L.', null, 4000)).toEqual({ ...first, name: 'Ada L.', picture: null });
    expect(await launchAs(null, null, 5000)).toEqual({ ...first, name: null, picture: null });
    expect(await launchAs(null, null, 6000)).toEqual({ ...first, name: null, picture: null });
    expect(Number((await stored()).updated_at)).toBe(5000);
  });

  it('accepts a launch jti exactly once, even when both uses race', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => recordLaunchJti(db, tenantId, 'jti-race', Date.now() + 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('round-trips epoch-ms timestamps beyond 32 bits as numbers', async () => {
    const user = await inWriteTransaction(db, (tx) => findOrCreateUser(tx, { tenantId, externalId: 'clock', name: null, now: Date.now() }));
    const sid = uuidv4();
    const expiresAt = Date.UTC(2100, 0, 1, 0, 0, 0, 123);
    await inWriteTransaction(db, (tx) => insertSession(tx, { id: sid, tenantId, userId: user.id, ctx: 'default', createdAt: Date.now(), expiresAt, revokedAt: null }));
    expect(await findSessionState(db, sid, { now: Date.now(), maxAgeMs: 0 })).toMatchObject({ expiresAt, revokedAt: null });
    await revokeSession(db, sid, expiresAt - 1);
    const state = await findSessionState(db, sid, { now: Date.now(), maxAgeMs: 0 });
    expect(state).toMatchObject({ expiresAt, revokedAt: expiresAt - 1 });
    expect(typeof state!.revokedAt).toBe('number');
  });

  it('registers a tenant once when two admins race for one issuer', async () => {
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => registerHs256Tenant(db, secretBoxFor(database.env), { issuer: 'raced', origins: ['https://host.example'], now: Date.now() })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AdminInputError);
      expect(String((r as PromiseRejectedResult).reason.message)).toContain('already exists');
    }
  });

  it('finds no tenant for an issuer PostgreSQL could not even store (a NUL character)', async () => {
    expect(await findTenantByIssuer(db, 'db-test\u0000')).toBeUndefined();
  });
});

describe.runIf(TEST_DATABASE === 'pg')('PostgreSQL connection settings', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('cancels a query that runs past DATABASE_STATEMENT_TIMEOUT', async () => {
    const db = createDb(loadConfig({ ...database.env, DATABASE_STATEMENT_TIMEOUT: '200' }).database);
    try {
      // 57014 is query_canceled: the server cut it off; a finished sleep would resolve instead.
      await expect(db.raw('select pg_sleep(3)')).rejects.toMatchObject({ code: '57014' });
      // The connection is still good for the next request.
      expect((await db.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('keeps its tables in DATABASE_SCHEMA', async () => {
    const db = createDb(loadConfig(database.env).database);
    try {
      await migrateLatest(db, secretBoxFor(database.env));
      const rows = await db('information_schema.tables').select('table_name').where({ table_schema: database.env.DATABASE_SCHEMA });
      expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual(expect.arrayContaining(['tenants', 'sessions', 'users', 'knex_migrations']));
    } finally {
      await db.destroy();
    }
  });
});

describe(`migrations on ${TEST_DATABASE}`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('lists pending migrations without creating anything', async () => {
    const db = openDb(database);
    try {
      expect(await pendingMigrations(db)).toEqual(['001_initial', '002_secrets_at_rest', '003_note_versions', '004_lti', '005_note_event_retention', '006_note_log_without_rowid', '007_launch_rows_without_rowid']);
      expect(await db.schema.hasTable('knex_migrations')).toBe(false);
    } finally {
      await db.destroy();
    }
  });

  it('lets several nodes migrate one fresh database at the same time', async () => {
    // Separate pools stand in for separate nodes; SQLite is one process's file, so only PostgreSQL needs this.
    const nodes = Array.from({ length: TEST_DATABASE === 'pg' ? 3 : 1 }, () => openDb(database));
    try {
      await Promise.all(nodes.map((db) => migrateLatest(db, secretBoxFor(database.env))));
      const db = nodes[0]!;
      expect(await pendingMigrations(db)).toEqual([]);
      expect((await db('knex_migrations').select('name')).map((r: { name: string }) => r.name)).toEqual(['001_initial', '002_secrets_at_rest', '003_note_versions', '004_lti', '005_note_event_retention', '006_note_log_without_rowid', '007_launch_rows_without_rowid']);
      expect(await db('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
    } finally {
      await Promise.all(nodes.map((db) => db.destroy()));
    }
  });

  it('keeps the note log in its primary keys on SQLite (006), every row kept up and down', async () => {
    const db = openDb(database);
    const secrets = secretBoxFor(database.env);
    const definition = async (table: string) => ((await db('sqlite_master').where({ type: 'table', name: table }).first('sql')) as { sql: string }).sql;
    const log = async () => ({ threads: await db('note_threads').orderBy('ctx'), events: await db('note_events').orderBy(['ctx', 'seq']) });
    try {
      const tenant = await registerHs256Tenant(db, secrets, { issuer: 'migration-006', origins: ['https://host.example'], now: Date.now() });
      for (const [ctx, noteId] of [['a', uuidv4()], ['a', uuidv4()], ['b', uuidv4()]] as const) {
        await inWriteTransaction(db, (tx) => recordNoteEvent(tx, { tenantId: tenant.id, ctx }, { noteId, kind: 'created', now: Date.now() }));
      }
      const before = await log();
      expect(before.events.map((e: { seq: number | string }) => Number(e.seq))).toEqual([1, 2, 1]);
      if (TEST_DATABASE === 'sqlite') {
        expect(await definition('note_events')).toMatch(/without rowid$/i);
        expect(await definition('note_threads')).toMatch(/without rowid$/i);
      }
      await db.migrate.down({ migrationSource: migrationSource(secrets), name: '006_note_log_without_rowid' });
      expect(await log()).toEqual(before);
      if (TEST_DATABASE === 'sqlite') expect(await definition('note_events')).not.toMatch(/rowid/i);
      await migrateLatest(db, secrets);
      expect(await log()).toEqual(before);
      // The purge's index on the events' age is made again with the table.
      if (TEST_DATABASE === 'sqlite') expect(await db('sqlite_master').where({ type: 'index', name: 'note_events_created_at' }).first('tbl_name')).toEqual({ tbl_name: 'note_events' });
    } finally {
      await db.destroy();
    }
  });

  it("keeps a launch's jti and session rows in their primary keys on SQLite (007), every row and index kept up and down", async () => {
    const db = openDb(database);
    const secrets = secretBoxFor(database.env);
    const definition = async (table: string) => ((await db('sqlite_master').where({ type: 'table', name: table }).first('sql')) as { sql: string }).sql;
    const rows = async () => ({ jtis: await db('launch_jtis').orderBy(['tenant_id', 'jti']), sessions: await db('sessions').orderBy('id') });
    const indexes = async () => (await db('sqlite_master').where({ type: 'index' }).whereIn('tbl_name', ['launch_jtis', 'sessions']).whereNotNull('sql').orderBy('name').select('name')).map((r: { name: string }) => r.name);
    try {
      const tenant = await registerHs256Tenant(db, secrets, { issuer: 'migration-007', origins: ['https://host.example'], now: Date.now() });
      const user = await inWriteTransaction(db, (tx) => findOrCreateUser(tx, { tenantId: tenant.id, externalId: 'u', name: 'U', now: Date.now() }));
      for (const jti of ['j1', 'j2']) await recordLaunchJti(db, tenant.id, jti, Date.now() + 60_000);
      for (const sid of [uuidv4(), uuidv4()]) {
        await inWriteTransaction(db, (tx) => insertSession(tx, { id: sid, tenantId: tenant.id, userId: user.id, ctx: 'page:1', createdAt: 1, expiresAt: 2, revokedAt: null }));
      }
      const before = await rows();
      expect([before.jtis.length, before.sessions.length]).toEqual([2, 2]);
      const indexesBefore = TEST_DATABASE === 'sqlite' ? await indexes() : [];
      if (TEST_DATABASE === 'sqlite') {
        expect(await definition('launch_jtis')).toMatch(/without rowid$/i);
        expect(await definition('sessions')).toMatch(/without rowid$/i);
        // The purge's and the revocations' lookups keep their indexes.
        expect(indexesBefore).toEqual(expect.arrayContaining(['launch_jtis_expires_at_index', 'sessions_user_id_index', 'sessions_tenant_id_index']));
      }
      await db.migrate.down({ migrationSource: migrationSource(secrets), name: '007_launch_rows_without_rowid' });
      expect(await rows()).toEqual(before);
      if (TEST_DATABASE === 'sqlite') expect(await definition('sessions')).not.toMatch(/rowid/i);
      await migrateLatest(db, secrets);
      expect(await rows()).toEqual(before);
      if (TEST_DATABASE === 'sqlite') expect(await indexes()).toEqual(indexesBefore);
      // Still single use after the rebuild.
      expect(await recordLaunchJti(db, tenant.id, 'j1', Date.now() + 60_000)).toBe(false);
    } finally {
      await db.destroy();
    }
  });
});

describe(`launch claims ${TEST_DATABASE} could choke on`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const sessionFor = (overrides: Record<string, unknown>) => t.api('POST', '/api/session', undefined, { jwt: t.launchToken(overrides) });

  it.each([
    ['sub', { sub: 'user\u0000one' }],
    ['jti', { jti: 'jti\u0000one' }],
    ['ctx', { ctx: 'page:\u00001' }],
    ['name', { name: 'Ada\u0000' }],
  ])('answers 401 launch_invalid, not a 5xx, for a NUL character in "%s"', async (_claim, overrides) => {
    const response = await sessionFor(overrides);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('launch_invalid');
  });

  it('answers 401 unknown_issuer for a NUL character in "iss"', async () => {
    const response = await sessionFor({ iss: `${t.tenant.issuer}\u0000` });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unknown_issuer');
  });

  it('stores 255-character claims with characters outside the BMP', async () => {
    const sub = '😀'.repeat(127) + 'x'; // 255 UTF-16 code units, 128 characters
    const response = await sessionFor({ sub, name: 'é'.repeat(255), ctx: 'c'.repeat(255), jti: 'j'.repeat(255) });
    expect(response.status).toBe(200);
  });
});
