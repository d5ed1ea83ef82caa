import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const run = promisify(execFile);
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
const tenant = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli/tenant.ts', ...args], { env: { ...process.env, ...database.env, NODE_OPTIONS: '' } });

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

  it('remove deletes the tenant', async () => {
    await tenant('remove', '--issuer', 'wiki.example');
    const { stdout } = await tenant('list', '--json');
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
