import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, adminCliAt } from '../helpers/adminCli.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb } from '../../server/db/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// Key files the CLI reads; the database is the suite's own (SQLite or PostgreSQL).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-cli-'));
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});
const tenant = (...args: string[]) => adminCli({ ...process.env, ...database.env }, 'tenant', ...args);

describe('npm run tenant', () => {
  let secret = '';
  it('add --json prints exactly one JSON object with a new secret', async () => {
    const { stdout } = await tenant('add', '--issuer', 'wiki.example', '--origin', 'https://wiki.example', '--origin', 'http://localhost:8080', '--json');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const created = JSON.parse(lines[0]!);
    expect(Object.keys(created).sort()).toEqual(['id', 'issuer', 'origins', 'secret']);
    expect(created.issuer).toBe('wiki.example');
    expect(created.origins).toEqual(['https://wiki.example', 'http://localhost:8080']);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.byteLength(created.secret)).toBeGreaterThanOrEqual(32);
    secret = created.secret;
  });

  it('list shows the tenant but never its secret', async () => {
    const { stdout } = await tenant('list', '--json');
    const rows = JSON.parse(stdout);
    expect(rows.map((r: { issuer: string }) => r.issuer)).toContain('wiki.example');
    expect(secret).not.toBe('');
    expect(stdout).not.toContain(secret);
    expect((await tenant('list')).stdout).not.toContain(secret);
  });

  it('refuses a duplicate issuer and a bad origin with a clear message and exit code 1', async () => {
    await expect(tenant('add', '--issuer', 'wiki.example', '--origin', 'https://x.example')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') });
    await expect(tenant('add', '--issuer', 'other', '--origin', 'https://x.example/path')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not a bare origin') });
    await expect(tenant('add', '--issuer', 'other')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--origin') });
  });

  describe('remove', () => {
    const issuers = async () => (JSON.parse((await tenant('list', '--json')).stdout) as Array<{ issuer: string }>).map((t) => t.issuer);
    const atTerminal = (answers: string[], ...args: string[]) => adminCliAt({ env: { ...process.env, ...database.env }, answers }, 'tenant', ...args);

    it('says what would go and deletes nothing without a terminal to ask on', async () => {
      await expect(tenant('remove', '--issuer', 'wiki.example')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('this deletes tenant wiki.example with 0 user(s), 0 note(s) and 0 open session(s); there is no terminal to ask on, so nothing was deleted: add --yes'),
      });
      expect(await issuers()).toContain('wiki.example');
    });

    it('asks with the counts at a terminal, and keeps the tenant unless the answer is yes', async () => {
      const db = createDb(loadConfig(database.env).database);
      try {
        const [tenantRow] = await db('tenants').where({ issuer: 'wiki.example' });
        const userId = crypto.randomUUID();
        await db('users').insert({ id: userId, tenant_id: tenantRow.id, external_id: 'u', display_name: null, created_at: 0, updated_at: 0 });
        await db('sessions').insert([
          { id: crypto.randomUUID(), tenant_id: tenantRow.id, user_id: userId, ctx: 'c', created_at: 0, expires_at: Date.now() + 60_000, revoked_at: null },
          { id: crypto.randomUUID(), tenant_id: tenantRow.id, user_id: userId, ctx: 'c', created_at: 0, expires_at: Date.now() + 60_000, revoked_at: 1 },
        ]);
        for (const n of [1, 2]) {
          await db('notes').insert({ id: crypto.randomUUID(), tenant_id: tenantRow.id, ctx: 'c', author_id: userId, body: `note ${n}`, created_at: n, updated_at: n });
        }
      } finally {
        await db.destroy();
      }
      const declined = atTerminal(['n'], 'remove', '--issuer', 'wiki.example');
      await expect(declined).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('nothing deleted'), asked: ['Delete tenant wiki.example with 1 user(s), 2 note(s) and 1 open session(s)? This cannot be undone. [y/N] '] });
      expect(await issuers()).toContain('wiki.example');

      const { asked } = await atTerminal(['y'], 'remove', '--issuer', 'wiki.example');
      expect(asked).toHaveLength(1);
      expect(await issuers()).not.toContain('wiki.example');
    });

    it('--yes deletes without asking', async () => {
      await tenant('add', '--issuer', 'gone.example', '--origin', 'https://gone.example');
      const { asked } = await atTerminal([], 'remove', '--issuer', 'gone.example', '--yes');
      expect(asked).toEqual([]);
      expect(await issuers()).not.toContain('gone.example');
    });
  });

  describe('public keys and JWKS', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const rsaPem = write('rsa.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const ecPem = write('ec.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const privatePem = write('private.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const notPem = write('garbage.pem', 'hello');

    it('add --public-key --json prints the key (no secret) with its fingerprint', async () => {
      const { stdout } = await tenant('add', '--issuer', 'rs.example', '--origin', 'https://rs.example', '--public-key', rsaPem, '--alg', 'RS256', '--kid', 'rs-1', '--json');
      const created = JSON.parse(stdout);
      expect(Object.keys(created).sort()).toEqual(['id', 'issuer', 'key', 'origins']);
      const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
      expect(created.key).toMatchObject({ kid: 'rs-1', alg: 'RS256', kind: 'pem', fingerprint: `SHA256:${crypto.createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}` });
    });

    it('rotates: add-key beside the old key, remove-key the old one, never the last', async () => {
      await tenant('add-key', '--issuer', 'rs.example', '--public-key', ecPem, '--alg', 'ES256', '--kid', 'es-1');
      await expect(tenant('add-key', '--issuer', 'rs.example', '--public-key', ecPem, '--alg', 'ES256', '--kid', 'es-1')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('already has a key with kid "es-1"') });
      let keys = JSON.parse((await tenant('list', '--json')).stdout).find((r: { issuer: string }) => r.issuer === 'rs.example').keys;
      expect(keys.map((k: { kid: string }) => k.kid)).toEqual(['rs-1', 'es-1']);
      expect((await tenant('remove-key', '--issuer', 'rs.example', '--kid', 'rs-1')).stdout).toContain('Removed from rs.example');
      keys = JSON.parse((await tenant('list', '--json')).stdout).find((r: { issuer: string }) => r.issuer === 'rs.example').keys;
      expect(keys.map((k: { kid: string }) => k.kid)).toEqual(['es-1']);
      await expect(tenant('remove-key', '--issuer', 'rs.example', '--kid', 'es-1')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('only key') });
    });

    it('add --jwks-url --json stores the URL', async () => {
      const { stdout } = await tenant('add', '--issuer', 'jwks.example', '--origin', 'https://jwks.example', '--jwks-url', 'https://jwks.example/.well-known/jwks.json', '--alg', 'ES256', '--json');
      expect(JSON.parse(stdout).key).toMatchObject({ kind: 'jwks', alg: 'ES256', kid: null, url: 'https://jwks.example/.well-known/jwks.json' });
    });

    it('set-origins replaces the origins and refuses a bad one', async () => {
      expect((await tenant('set-origins', '--issuer', 'jwks.example', '--origin', 'https://a.example', '--origin', 'https://b.example:8443')).stdout).toContain('https://a.example https://b.example:8443');
      await expect(tenant('set-origins', '--issuer', 'jwks.example', '--origin', 'javascript:alert(1)')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('must use https') });
    });

    it.each([
      ['an unreadable key file', ['--public-key', path.join(dir, 'missing.pem'), '--alg', 'RS256'], 'cannot read the public key file'],
      ['a file that is not PEM', ['--public-key', notPem, '--alg', 'RS256'], 'not PEM'],
      ['a private key', ['--public-key', privatePem, '--alg', 'RS256'], 'PRIVATE key'],
      ['a key that does not fit the algorithm', ['--public-key', rsaPem, '--alg', 'ES256'], 'does not fit --alg ES256'],
      ['an unknown algorithm', ['--public-key', rsaPem, '--alg', 'HS512'], '--alg must be one of RS256, ES256, EdDSA'],
      ['a public key without --alg', ['--public-key', rsaPem], '--public-key needs --alg'],
      ['a plain http JWKS URL', ['--jwks-url', 'http://jwks.example/keys', '--alg', 'RS256'], 'must use https'],
      ['--alg without a key', ['--alg', 'RS256'], 'needs --public-key FILE or --jwks-url URL'],
    ])('refuses %s with a clear message', async (_name, args, message) => {
      await expect(tenant('add', '--issuer', 'bad.example', '--origin', 'https://bad.example', ...args)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(message) });
    });
  });
});

describe('npm run tenant in production', () => {
  // The database was migrated by the commands above; production never migrates on its own.
  const production = (...args: string[]) => adminCli({ ...process.env, ...database.env, NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example' }, 'tenant', ...args);

  it('refuses http host origins, in add and in set-origins', async () => {
    await expect(production('add', '--issuer', 'plain.example', '--origin', 'http://plain.example')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('must use https in production') });
    await expect(production('set-origins', '--issuer', 'wiki.example', '--origin', 'http://wiki.example')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('must use https in production') });
  });

  it('keeps the development tenant\'s issuer for development', async () => {
    await expect(production('add', '--issuer', 'dev-harness', '--origin', 'https://dev.example')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('kept for the development harness') });
  });
});
