import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSharedSecret } from '../../server/admin/tenants.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, migrateLatest, type Db } from '../../server/db/connect.ts';
import { migrationSource } from '../../server/db/migrations/index.ts';
import { prepareDatabase } from '../../server/db/prepareDatabase.ts';
import { signingKeyStore } from '../../server/db/signingKeys.ts';
import { dbTenantSource } from '../../server/db/tenantSource.ts';
import { generateSecretsKey } from '../../server/secrets/secretsKey.ts';
import { adminCli } from '../helpers/adminCli.ts';
import { generateKeyPair, signHs256 } from '../../support/signJwt.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { createTestDatabase, secretBoxFor, TEST_DATABASE, type TestDatabase } from '../helpers/testDatabase.ts';

// The audit copied the SQLite file, read our session-signing key and a tenant's
// HS256 secret out of it, forged a session token and got 200 from /api/me.
// Secrets are now sealed under SECRETS_KEY, which never enters the database.

const sqliteFileOf = (env: Record<string, string>) => {
  const database = loadConfig(env).database;
  return database.client === 'sqlite' ? path.resolve(database.filename) : null;
};

/** The database's own files (SQLite: the file and its WAL), as a thief would copy them. */
const filesOf = (file: string) => [file, `${file}-wal`].filter((f) => fs.existsSync(f));
const filesContain = (file: string, text: string) => filesOf(file).some((f) => fs.readFileSync(f).includes(text));

const hmacToken = (header: object, claims: object, key: Buffer | string) => {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
};

describe('a copy of the database alone', () => {
  let t: TestApp;
  let stolen: { signing: Array<{ kid: string; secret: string }>; tenantSecrets: string[]; session: { id: string; user_id: string; tenant_id: string; ctx: string } };
  let realSecret: string;

  beforeAll(async () => {
    t = await startTestApp();
    realSecret = t.tenant.secret;
    await t.launch();
    // SQLite: a copy of the file and its WAL, opened on its own; PostgreSQL: the same rows.
    const file = t.config.database.client === 'sqlite' ? path.resolve(t.config.database.filename) : null;
    let copy: Db = t.db;
    let dir: string | null = null;
    if (file) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-stolen-'));
      for (const f of filesOf(file)) fs.copyFileSync(f, path.join(dir, path.basename(f)));
      copy = knex({ client: 'better-sqlite3', connection: { filename: path.join(dir, path.basename(file)) }, useNullAsDefault: true });
    }
    try {
      stolen = {
        signing: await copy('signing_keys').select('kid', 'secret'),
        tenantSecrets: (await copy('tenant_keys').where({ kind: 'secret' }).select('material')).map((r: { material: string }) => r.material),
        session: await copy('sessions').first('id', 'user_id', 'tenant_id', 'ctx'),
      };
    } finally {
      if (dir) {
        await copy.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
  afterAll(() => t.close());

  const sessionClaims = () => {
    const iat = t.clock.nowSec();
    const { id, user_id, tenant_id, ctx } = stolen.session;
    return { iss: t.config.sessionIssuer, aud: t.config.sessionAudience, sub: user_id, tid: tenant_id, ctx, sid: id, iat, exp: iat + 300, jti: crypto.randomUUID() };
  };
  const me = (token: string) => t.api('GET', '/api/me', token).then((r) => r.status);

  it('cannot forge a session token with the stored signing keys', async () => {
    expect(stolen.signing.length).toBeGreaterThan(0);
    for (const { kid, secret } of stolen.signing) {
      const header = { alg: 'HS256', typ: 'widget-session+jwt', kid };
      // However the stored value is read: as our ring reads a key (base64url), or as text.
      expect(await me(hmacToken(header, sessionClaims(), Buffer.from(secret, 'base64url')))).toBe(401);
      expect(await me(hmacToken(header, sessionClaims(), secret))).toBe(401);
    }
    // The forgery itself is right: with the key the ring really holds, it works.
    const signing = t.ring.signingKey();
    expect(await me(hmacToken({ alg: 'HS256', typ: 'widget-session+jwt', kid: signing.kid }, sessionClaims(), signing.key.export()))).toBe(200);
  });

  it('cannot sign a launch token with the stored tenant secret', async () => {
    expect(stolen.tenantSecrets).not.toContain(realSecret);
    for (const material of stolen.tenantSecrets) {
      const response = await t.api('POST', '/api/session', undefined, { jwt: signHs256(t.launchClaims(t.tenant.issuer), material) });
      expect(response.status).toBe(401);
    }
    expect((await t.api('POST', '/api/session', undefined, { jwt: signHs256(t.launchClaims(t.tenant.issuer), realSecret) })).status).toBe(200);
  });

  it.skipIf(TEST_DATABASE === 'pg')('finds neither secret anywhere in the SQLite files', () => {
    const file = path.resolve((t.config.database as { filename: string }).filename);
    expect(filesContain(file, realSecret)).toBe(false);
    expect(filesContain(file, t.ring.signingKey().key.export().toString('base64url'))).toBe(false);
  });
});

describe.skipIf(TEST_DATABASE === 'pg')('SQLite files', () => {
  it('are created readable and writable by our user only, the -wal and -shm files too', async () => {
    const t = await startTestApp();
    try {
      await t.launch(); // a write: the WAL exists now
      const file = path.resolve((t.config.database as { filename: string }).filename);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(`${path.basename(f)} ${(fs.statSync(f).mode & 0o777).toString(8)}`).toBe(`${path.basename(f)} 600`);
    } finally {
      await t.close();
    }
  });

  it('are tightened to 0600 when an older version left them readable by others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-perm-'));
    try {
      const file = path.join(dir, 'old.sqlite');
      fs.writeFileSync(file, '', { mode: 0o644 });
      fs.chmodSync(file, 0o644);
      const db = createDb({ client: 'sqlite', filename: file });
      await db.destroy();
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(`migration 002 on a database from before it (${TEST_DATABASE})`, () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(loadConfig(database.env).database);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const tableFiles = async () =>
    (await db.raw("select relname, relfilenode from pg_class where oid in ('tenant_keys'::regclass, 'signing_keys'::regclass) order by relname")).rows;

  it('seals the stored secrets, keeps every one working, and leaves no plaintext in the database', async () => {
    const secrets = secretBoxFor(database.env);
    await db.migrate.up({ migrationSource: migrationSource(secrets) }); // 001 only: the schema the audit saw
    const tenantId = crypto.randomUUID();
    const tenantSecret = newSharedSecret();
    const signingSecret = crypto.randomBytes(32).toString('base64url');
    const pem = generateKeyPair('ES256').publicPem;
    await db('tenants').insert({ id: tenantId, issuer: 'old-host', origins: '["https://host.example"]', created_at: 0 });
    await db('tenant_keys').insert([
      { id: crypto.randomUUID(), tenant_id: tenantId, kid: null, alg: 'HS256', kind: 'secret', material: tenantSecret, created_at: 0 },
      { id: crypto.randomUUID(), tenant_id: tenantId, kid: 'es', alg: 'ES256', kind: 'pem', material: pem, created_at: 1 },
    ]);
    await db('signing_keys').insert({ kid: 'old-kid', alg: 'HS256', secret: signingSecret, created_at: 0, retired_at: null });
    const file = sqliteFileOf(database.env);
    if (file) expect(filesContain(file, tenantSecret)).toBe(true); // what the audit found
    const filesBefore = file ? null : await tableFiles();

    await migrateLatest(db, secrets);

    const keys = await db('tenant_keys').orderBy('created_at').select('material', 'kek_id');
    expect(keys[0].material).not.toBe(tenantSecret);
    expect(keys[0].kek_id).toBe(secrets.keyId);
    expect(keys[1]).toEqual({ material: pem, kek_id: null }); // a public key is no secret
    const signing = await db('signing_keys').first('secret', 'kek_id');
    expect(signing.secret).not.toBe(signingSecret);
    expect(signing.kek_id).toBe(secrets.keyId);

    expect((await dbTenantSource(db, secrets).findByIssuer('old-host'))!.keys.map((k) => k.material)).toEqual([tenantSecret, pem]);
    expect((await signingKeyStore(db, secrets).list()).map((k) => k.secret)).toEqual([signingSecret]);

    if (file) {
      expect(filesContain(file, tenantSecret)).toBe(false);
      expect(filesContain(file, signingSecret)).toBe(false);
    } else {
      // PostgreSQL: both tables were rewritten into new files, dead row versions and all.
      const after = await tableFiles();
      expect(after.map((r: { relname: string }) => r.relname)).toEqual(['signing_keys', 'tenant_keys']);
      for (const [i, row] of after.entries()) expect(row.relfilenode).not.toBe(filesBefore[i].relfilenode);
    }
  });
});

describe(`the keys a server needs for its database (${TEST_DATABASE})`, () => {
  let database: TestDatabase;
  let db: Db;
  let tenantSecret: string;
  const cli = (env: Record<string, string>, ...args: string[]) => adminCli({ PATH: process.env.PATH, ...env }, ...args);
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(loadConfig(database.env).database);
    tenantSecret = JSON.parse((await cli(database.env, 'tenant', 'add', '--issuer', 'kek-host', '--origin', 'https://host.example', '--json')).stdout).secret;
    await cli(database.env, 'keys', 'list'); // creates the first session-signing key
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('refuses to start without the key that sealed the stored secrets, naming that key', async () => {
    const sealedWith = secretBoxFor(database.env).keyId;
    const elsewhere = { ...database.env, SECRETS_KEY: generateSecretsKey() };
    const prepare = (env: Record<string, string>) => prepareDatabase(db, { database: loadConfig(env).database, migrateOnStart: false, secrets: secretBoxFor(env) });
    await expect(prepare(elsewhere)).rejects.toThrow(new RegExp(`value\\(s\\) in tenant_keys sealed with key id ${sealedWith}.*SECRETS_KEY_PREVIOUS`));
    await expect(prepare({ ...elsewhere, SECRETS_KEY_PREVIOUS: database.env.SECRETS_KEY! })).resolves.toEqual({ migrated: [] });
  });

  it('rotates: `npm run secrets -- rotate` seals everything with the new key, and the old one is no longer needed', async () => {
    const [oldEnv, newKey] = [database.env, generateSecretsKey()];
    const rotating = { ...oldEnv, SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldEnv.SECRETS_KEY! };
    const newOnly = { ...oldEnv, SECRETS_KEY: newKey };
    const [oldId, newId] = [secretBoxFor(oldEnv).keyId, secretBoxFor(newOnly).keyId];

    expect((await cli(rotating, 'secrets', 'status')).stdout).toContain(`tenant_keys: 1 sealed with key id ${oldId} (SECRETS_KEY_PREVIOUS)`);
    expect((await cli(rotating, 'secrets', 'rotate')).stdout).toContain(`Sealed 2 stored secret(s) anew; every stored secret is now sealed with key id ${newId}`);
    const status = (await cli(newOnly, 'secrets', 'status')).stdout;
    expect(status).toContain(`tenant_keys: 1 sealed with key id ${newId} (SECRETS_KEY)`);
    expect(status).toContain(`signing_keys: 1 sealed with key id ${newId} (SECRETS_KEY)`);
    expect((await dbTenantSource(db, secretBoxFor(newOnly)).findByIssuer('kek-host'))!.keys[0]!.material).toBe(tenantSecret);
    // The old key alone opens nothing any more.
    await expect(cli(oldEnv, 'secrets', 'status')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`sealed with key id ${newId}`) });
  });

  it('prints a usable new key', async () => {
    const key = (await cli({}, 'secrets', 'generate-key')).stdout.trim();
    expect(loadConfig({ SECRETS_KEY: key }).secrets.current).toHaveLength(32);
  });
});
