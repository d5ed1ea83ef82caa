import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createDb } from '../../server/db/connect.ts';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';
import { adminCli } from '../helpers/adminCli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
const cli = (command: string, ...args: string[]) => adminCli({ ...process.env, ...database.env }, command, ...args);

describe('npm run keys', () => {
  it('rotate makes a new active key and keeps the old one for verification', async () => {
    await cli('keys', 'list');
    const before = (await cli('keys', 'list')).stdout.trim().split('\n');
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/ active$/);
    const { stdout } = await cli('keys', 'rotate');
    const kid = /key (\S+);/.exec(stdout)![1]!;
    const after = (await cli('keys', 'list')).stdout.trim().split('\n');
    expect(after).toHaveLength(2);
    expect(after.find((line) => line.startsWith(kid))).toMatch(/ active$/);
    expect(after.find((line) => !line.startsWith(kid))).toMatch(/ retired /);
  });

  it('rejects an unknown command with exit code 1', async () => {
    await expect(cli('keys', 'explode')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown command') });
  });
});

describe('npm run sessions', () => {
  it('revoke --user ends that user\'s live sessions', async () => {
    const db = createDb(loadConfig(database.env).database);
    const tenantId = '11111111-1111-4111-8111-111111111111';
    const userId = '22222222-2222-4222-8222-222222222222';
    await db('tenants').insert({ id: tenantId, issuer: 'cli-host', origins: '[]', created_at: 0 });
    await db('users').insert({ id: userId, tenant_id: tenantId, external_id: 'x', display_name: null, created_at: 0, updated_at: 0 });
    await db('sessions').insert({ id: '33333333-3333-4333-8333-333333333333', tenant_id: tenantId, user_id: userId, ctx: 'c', created_at: 0, expires_at: Date.now() + 60_000, revoked_at: null });
    const { stdout } = await cli('sessions', 'revoke', '--user', userId);
    expect(stdout).toContain('Revoked 1 session');
    expect((await db('sessions').first()).revoked_at).not.toBeNull();
    await db.destroy();
  });

  it('refuses a host user id where the UUID is expected', async () => {
    await expect(cli('sessions', 'revoke', '--user', 'alice@example.com')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('UUID') });
  });
});

describe('npm run sessions -- revoke --issuer ISS --host-user SUB', () => {
  it('ends the live sessions of that host user only, not a namesake in another tenant', async () => {
    const db = createDb(loadConfig(database.env).database);
    const tenants = ['a1a1a1a1-0000-4000-8000-000000000001', 'a1a1a1a1-0000-4000-8000-000000000002'];
    await db('tenants').insert(tenants.map((id, i) => ({ id, issuer: `host-user-${i}`, origins: '[]', created_at: 0 })));
    // user 1 and 3 share the host id "alice" in two tenants; user 2 is someone else in the first.
    const users = [
      { id: 'b2b2b2b2-0000-4000-8000-000000000001', tenant_id: tenants[0], external_id: 'alice' },
      { id: 'b2b2b2b2-0000-4000-8000-000000000002', tenant_id: tenants[0], external_id: 'bob' },
      { id: 'b2b2b2b2-0000-4000-8000-000000000003', tenant_id: tenants[1], external_id: 'alice' },
    ];
    await db('users').insert(users.map((u) => ({ ...u, display_name: null, created_at: 0, updated_at: 0 })));
    await db('sessions').insert(
      users.map((u, i) => ({ id: `c3c3c3c3-0000-4000-8000-00000000000${i}`, tenant_id: u.tenant_id, user_id: u.id, ctx: 'c', created_at: 0, expires_at: Date.now() + 60_000, revoked_at: null })),
    );
    const { stdout } = await cli('sessions', 'revoke', '--issuer', 'host-user-0', '--host-user', 'alice');
    expect(stdout).toContain('Revoked 1 session(s) of host user "alice" of host-user-0');
    const live = await db('sessions').whereNull('revoked_at').orderBy('user_id').pluck('user_id');
    expect(live).toEqual([users[1]!.id, users[2]!.id]);
    expect((await cli('sessions', 'revoke', '--issuer', 'host-user-0', '--host-user', 'nobody')).stdout).toContain('Revoked 0 session(s)');
    await db.destroy();
  });

  it('needs the issuer and a host user id as the tokens carry it', async () => {
    await expect(cli('sessions', 'revoke', '--host-user', 'alice')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('give exactly one of') });
    await expect(cli('sessions', 'revoke', '--user', '22222222-2222-4222-8222-222222222222', '--host-user', 'alice')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--host-user needs the --issuer') });
    await expect(cli('sessions', 'revoke', '--issuer', 'no-such-host', '--host-user', '')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('1-255 characters') });
  });
});

describe('npm run sessions -- revoke --issuer', () => {
  it('ends every live session of the tenant and names it', async () => {
    const db = createDb(loadConfig(database.env).database);
    const tenantId = '44444444-4444-4444-8444-444444444444';
    const userId = '55555555-5555-4555-8555-555555555555';
    await db('tenants').insert({ id: tenantId, issuer: 'revoke-host', origins: '[]', created_at: 0 });
    await db('users').insert({ id: userId, tenant_id: tenantId, external_id: 'y', display_name: null, created_at: 0, updated_at: 0 });
    for (const id of ['66666666-6666-4666-8666-666666666666', '77777777-7777-4777-8777-777777777777']) {
      await db('sessions').insert({ id, tenant_id: tenantId, user_id: userId, ctx: 'c', created_at: 0, expires_at: Date.now() + 60_000, revoked_at: null });
    }
    const { stdout } = await cli('sessions', 'revoke', '--issuer', 'revoke-host');
    expect(stdout).toContain('Revoked 2 session(s) of revoke-host');
    expect(await db('sessions').where({ tenant_id: tenantId }).whereNull('revoked_at')).toEqual([]);
    await db.destroy();
  });

  it('refuses an unknown or malformed issuer with exit code 1', async () => {
    await expect(cli('sessions', 'revoke', '--issuer', 'nobody-registered')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no tenant with issuer "nobody-registered"') });
    await expect(cli('sessions', 'revoke', '--issuer', ' padded ')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('without surrounding spaces') });
  });

  it('was the only way: tenant has no revoke-sessions command', async () => {
    await expect(cli('tenant', 'revoke-sessions', '--issuer', 'revoke-host')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown command "revoke-sessions"') });
  });

  it('says which database it used, on stderr', async () => {
    const { stderr, stdout } = await cli('keys', 'list');
    expect(stderr).toMatch(/keys: using (SQLite file|PostgreSQL at)/);
    expect(stdout).not.toContain('using');
  });
});

describe('widget-admin --version', () => {
  it('prints the release alone on stdout, after any command too', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await adminCli({}, '--version')).stdout).toBe(`${version}\n`);
    expect((await adminCli({}, 'tenant', '--version')).stdout).toBe(`${version}\n`);
  });
});
