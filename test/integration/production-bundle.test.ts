import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHs256Tenant } from '../../server/admin/tenants.ts';
import { buildServer } from '../../server/assets/serverBuild.ts';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, migrateLatest } from '../../server/db/connect.ts';
import { startServer, stopAllServers, type ChildServer } from '../helpers/childServer.ts';
import { signHs256 } from '../../support/signJwt.ts';
import { createTestDatabase, secretBoxFor, type TestDatabase } from '../helpers/testDatabase.ts';

// What `npm run build` + `npm run start:prod` deploy: the server bundled into one
// plain module, run by node without a TypeScript loader, in production mode.
let database: TestDatabase;
let server: ChildServer;
let secret: string;
const PUBLIC_URL = 'https://widget.example';
// Its own copy, as deep as dist/server: the sqlite and pg runs build at the same time.
const bundleDir = path.join(PROJECT_ROOT, 'dist', `server-test-${process.pid}`);

beforeAll(async () => {
  database = await createTestDatabase();
  const db = createDb(loadConfig(database.env).database);
  await migrateLatest(db, secretBoxFor(database.env));
  secret = (await registerHs256Tenant(db, secretBoxFor(database.env), { issuer: 'bundle-host', origins: ['https://host.example'], now: Date.now() })).secret;
  await db.destroy();
  const bundle = (await buildServer(bundleDir)).server;
  server = await startServer({ ...database.env, NODE_ENV: 'production', HOST: '127.0.0.1', PUBLIC_URL }, { bundle });
});
afterAll(async () => {
  await stopAllServers();
  await database?.drop();
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

describe('the production bundle', () => {
  it('serves launches, the API and the SDK without tsx', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const jwt = signHs256({ iss: 'bundle-host', aud: PUBLIC_URL, sub: 'u1', name: 'Bundled', iat, exp: iat + 60, jti: crypto.randomUUID() }, secret);
    const opened = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jwt }) });
    expect(opened.status).toBe(200);
    const { token } = (await opened.json()) as { token: string };
    const me = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Bundled');
    const sdk = await fetch(`${server.url}/sdk/embed.js`);
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain('notes-widget');
  });
});
