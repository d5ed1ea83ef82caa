import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli } from '../helpers/adminCli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// `widget-admin lti ...` (docs/lti.md, "Registering a platform"): the registry of LMSs.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
const lti = (...args: string[]) => adminCli({ ...process.env, ...database.env }, 'lti', ...args);
const production = (...args: string[]) => adminCli({ ...process.env, ...database.env, NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example' }, 'lti', ...args);

const canvas = [
  '--issuer', 'https://canvas.instructure.com',
  '--client-id', '10000000000001',
  '--auth-url', 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  '--jwks-url', 'https://sso.canvaslms.com/api/lti/security/jwks',
  '--deployment', '6:8865aa05b4b79b64a91a86042e43af5ea8ae79eb',
  '--origin', 'https://school.instructure.com',
];

describe('widget-admin lti', () => {
  it('add --json prints one JSON object: the registration and the tenant it is', async () => {
    const { stdout } = await lti('add', ...canvas, '--json');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const added = JSON.parse(stdout);
    expect(added).toMatchObject({
      issuer: 'https://canvas.instructure.com',
      clientId: '10000000000001',
      authUrl: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
      jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
      deploymentIds: ['6:8865aa05b4b79b64a91a86042e43af5ea8ae79eb'],
      origins: ['https://school.instructure.com'],
    });
    expect(added.tenantIssuer).toBe(`lti:${added.id}`);
    // The tenant commands see it under that name.
    const tenants = JSON.parse((await adminCli({ ...process.env, ...database.env }, 'tenant', 'list', '--json')).stdout);
    expect(tenants.map((x: { issuer: string }) => x.issuer)).toContain(added.tenantIssuer);
  });

  it('keeps one issuer with two client_ids apart (one Canvas issuer serves every school)', async () => {
    const second = canvas.map((a) => (a === '10000000000001' ? '10000000000002' : a));
    await lti('add', ...second);
    const rows = JSON.parse((await lti('list', '--json')).stdout);
    expect(rows.map((r: { clientId: string }) => r.clientId).sort()).toEqual(['10000000000001', '10000000000002']);
  });

  it('refuses a duplicate and each bad value with one line and exit code 1', async () => {
    await expect(lti('add', ...canvas)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('already registered') });
    const without = (option: string) => canvas.filter((_a, i) => canvas[i] !== option && canvas[i - 1] !== option);
    await expect(lti('add', ...without('--deployment'), '--client-id', 'x')).rejects.toMatchObject({ stderr: expect.stringContaining('--deployment') });
    await expect(lti('add', ...without('--auth-url'))).rejects.toMatchObject({ stderr: expect.stringContaining('--auth-url is required') });
    const replaced = (option: string, value: string) => canvas.map((a, i) => (canvas[i - 1] === option ? value : a));
    await expect(lti('add', ...replaced('--auth-url', 'not a url'))).rejects.toMatchObject({ stderr: expect.stringContaining('is not a URL') });
    await expect(lti('add', ...replaced('--origin', 'https://school.example/path'))).rejects.toMatchObject({ stderr: expect.stringContaining('not a bare origin') });
    await expect(lti('add', ...replaced('--jwks-url', 'ftp://x.example/jwks'))).rejects.toMatchObject({ code: 1 });
    await expect(production('add', ...replaced('--auth-url', 'http://lms.example/auth').map((a) => (a === '10000000000001' ? 'p1' : a)))).rejects.toMatchObject({ stderr: expect.stringContaining('must use https') });
  });

  it('set-deployments replaces the deployments; remove deletes the platform (asks first, --yes skips)', async () => {
    const id = ['--issuer', 'https://canvas.instructure.com', '--client-id', '10000000000002'];
    const updated = JSON.parse((await lti('set-deployments', ...id, '--deployment', 'd1', '--deployment', 'd2', '--json')).stdout);
    expect(updated.deploymentIds).toEqual(['d1', 'd2']);
    await expect(lti('remove', ...id)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('add --yes') });
    expect((await lti('remove', ...id, '--yes')).stdout).toContain('Removed LTI platform');
    expect(JSON.parse((await lti('list', '--json')).stdout)).toHaveLength(1);
    await expect(lti('remove', ...id, '--yes')).rejects.toMatchObject({ stderr: expect.stringContaining('no LTI platform') });
  });

  it('urls prints what to enter in the LMS', async () => {
    const urls = JSON.parse((await production('urls', '--json')).stdout);
    expect(urls).toEqual({ loginUrl: 'https://widget.example/lti/login', redirectUri: 'https://widget.example/lti/launch', targetLinkUri: 'https://widget.example/lti/launch', jwksUrl: 'https://widget.example/lti/jwks.json' });
  });

  it('tenant add refuses issuers kept for LTI platforms', async () => {
    await expect(adminCli({ ...process.env, ...database.env }, 'tenant', 'add', '--issuer', 'lti:x', '--origin', 'https://x.example')).rejects.toMatchObject({ stderr: expect.stringContaining('widget-admin lti add') });
  });
});
