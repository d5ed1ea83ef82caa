import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHs256Tenant, type HsTenant } from '../../server/admin/tenants.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, type Db } from '../../server/db/connect.ts';
import { freePort, startServer, stopAllServers, type ChildServer } from '../helpers/childServer.ts';
import { openEventStream } from '../../support/eventStream.ts';
import { signHs256 } from '../../support/signJwt.ts';
import type { NoteEvent } from '../../contract/liveEvents.ts';
import { bootstrapOf } from '../helpers/launchPage.ts';
import { createTestDatabase, secretBoxFor, type TestDatabase } from '../helpers/testDatabase.ts';

// Two real server processes on one PostgreSQL schema, as behind a load
// balancer: whatever one node does, the other must agree with at once, or
// within the bound the protocol states (a revocation: REVOCATION_DELAY_MS).
// (Only in the "pg" project: SQLite is one machine's file.)

const run = promisify(execFile);
const NODE_B_REVOCATION_DELAY_MS = 500;
let database: TestDatabase;
let db: Db;
let nodeA: ChildServer;
let nodeB: ChildServer;
let host: HsTenant;
let publicUrl: string;

beforeAll(async () => {
  database = await createTestDatabase('pg');
  // Both nodes answer for one public origin (the load balancer's): their
  // session tokens name it as issuer and audience, so either accepts the other's.
  publicUrl = `http://127.0.0.1:${await freePort()}`;
  const node = (cacheTtl: string) => ({
    ...database.env,
    NODE_ENV: 'development',
    PUBLIC_URL: publicUrl,
    HARNESS_PORT: 'off',
    CACHE_TTL: cacheTtl,
    // Streams re-read the database on each re-check too; at the longest interval only NOTIFY can deliver within a test.
    STREAM_RECHECK_MS: '300000',
  });
  // A signs with a rotated key within 1 s; B keeps the default 30 s, so only
  // its reload on an unknown kid can make it accept A's new tokens in time.
  const [envA, envB] = [node('1'), { ...node('30'), REVOCATION_DELAY_MS: String(NODE_B_REVOCATION_DELAY_MS) }];
  // Started together on an empty schema: they also race to migrate it.
  [nodeA, nodeB] = await Promise.all([startServer(envA), startServer(envB)]);
  db = createDb(loadConfig(envA).database);
  host = await registerHs256Tenant(db, secretBoxFor(envA), { issuer: 'multi-node-host', origins: ['https://host.example'], now: Date.now() });
});

afterAll(async () => {
  // Also a node that started while the other failed (then neither variable is set).
  await stopAllServers();
  await db?.destroy();
  await database?.drop();
});

function launchToken(claims: Record<string, unknown> = {}): string {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ iss: host.issuer, aud: publicUrl, sub: 'user-1', name: 'Ada', ctx: 'page:1', iat, exp: iat + 60, jti: crypto.randomUUID(), ...claims }, host.secret);
}

async function call(node: ChildServer, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const openSession = async (node: ChildServer, claims?: Record<string, unknown>) => {
  const opened = await call(node, 'POST', '/api/session', undefined, { jwt: launchToken(claims) });
  expect(opened.status, JSON.stringify(opened.body)).toBe(200);
  return opened.body as { token: string; user: { id: string } };
};

/** POST /launch on `node`, as the host SDK's form post does: the page and its bootstrap block. */
async function launchPage(node: ChildServer, claims: Record<string, unknown>): Promise<{ html: string; bootstrap: Record<string, any> }> {
  const response = await fetch(`${node.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ jwt: launchToken(claims) }) });
  expect(response.status).toBe(200);
  const html = await response.text();
  return { html, bootstrap: bootstrapOf(html)! };
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

describe('two server nodes on one PostgreSQL', () => {
  it('serves API calls on node B for a launch on node A', async () => {
    const { bootstrap } = await launchPage(nodeA, { name: 'Grace' });

    const me = await call(nodeB, 'GET', '/api/me', bootstrap.token);
    expect(me).toMatchObject({ status: 200, body: { user: { id: bootstrap.user.id, name: 'Grace' }, context: 'page:1' } });

    const refreshed = await call(nodeB, 'POST', '/api/session/refresh', bootstrap.token);
    expect(refreshed.status).toBe(200);
    expect((await call(nodeA, 'GET', '/api/me', refreshed.body!.token)).status).toBe(200);
  });

  it('shows on node A\'s launch page a note written on node B since A last rendered the thread', async () => {
    const ctx = 'page:first-page-across-nodes';
    const writer = await openSession(nodeB, { sub: 'writer', ctx });
    expect((await call(nodeB, 'POST', '/api/notes', writer.token, { body: 'before' })).status).toBe(201);
    // Node A renders the thread, and would share that render with the launches that follow.
    expect((await launchPage(nodeA, { sub: 'reader', ctx })).bootstrap.notes.map((n: { body: string }) => n.body)).toEqual(['before']);
    expect((await call(nodeB, 'POST', '/api/notes', writer.token, { body: 'after, on node B' })).status).toBe(201);
    const again = await launchPage(nodeA, { sub: 'reader', ctx });
    expect(again.bootstrap.notes.map((n: { body: string }) => n.body)).toEqual(['after, on node B', 'before']);
    expect(again.html).toContain('after, on node B');
  });

  it('rejects on node B a launch jti already used on node A', async () => {
    const jwt = launchToken();
    expect((await call(nodeA, 'POST', '/api/session', undefined, { jwt })).status).toBe(200);
    expect(await call(nodeB, 'POST', '/api/session', undefined, { jwt })).toMatchObject({ status: 401, body: { error: { code: 'launch_replayed' } } });
    const viaLaunch = await fetch(`${nodeB.url}/launch`, { method: 'POST', body: new URLSearchParams({ jwt }) });
    expect(viaLaunch.status).toBe(401);
    expect(await viaLaunch.text()).toContain('launch_replayed');
  });

  it('delivers a note written on node A to streams on node B (LISTEN/NOTIFY), in order, and resumes on node A', async () => {
    const reader = await openSession(nodeB, { sub: 'reader', ctx: 'page:live' });
    const writer = await openSession(nodeA, { sub: 'writer', ctx: 'page:live' });
    const onB = await openEventStream(`${nodeB.url}/api/notes/stream`, reader.token);
    const onA = await openEventStream(`${nodeA.url}/api/notes/stream`, reader.token);
    expect(onB.response.status).toBe(200);
    const first = await call(nodeA, 'POST', '/api/notes', writer.token, { body: 'written on A' });
    const second = await call(nodeB, 'POST', '/api/notes', writer.token, { body: 'written on B' });
    for (const stream of [onB, onA]) {
      expect(await stream.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { id: first.body!.note.id, body: 'written on A' }, eventId: '1' });
      expect(await stream.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'created', note: { id: second.body!.note.id }, eventId: '2' });
    }
    onB.close();
    // Written while this reader's stream on B is gone; it reconnects to A (behind a balancer) from its last id.
    await call(nodeB, 'PATCH', `/api/notes/${first.body!.note.id}`, writer.token, { body: 'edited on B' });
    const resumed = await openEventStream(`${nodeA.url}/api/notes/stream`, reader.token, { 'Last-Event-ID': '2' });
    expect(await resumed.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'updated', note: { body: 'edited on B', version: 2 }, eventId: '3' });
    expect(await onA.nextOf<NoteEvent>('note')).toMatchObject({ kind: 'updated', eventId: '3' });
    onA.close();
    resumed.close();
  });

  it('honours a logout on node A at once on node A, and on node B within its REVOCATION_DELAY_MS', async () => {
    const { token } = await openSession(nodeA);
    expect((await call(nodeB, 'GET', '/api/me', token)).status).toBe(200);
    expect((await call(nodeA, 'POST', '/api/session/logout', token)).status).toBe(204);
    expect(await call(nodeA, 'GET', '/api/me', token)).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    // Whatever B remembers of the session is older than its bound once that much time has passed.
    await new Promise((resolve) => setTimeout(resolve, NODE_B_REVOCATION_DELAY_MS));
    expect(await call(nodeB, 'GET', '/api/me', token)).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect(await call(nodeB, 'POST', '/api/session/refresh', token)).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
  });

  it('verifies on node B a token node A signs with a freshly rotated key', async () => {
    const before = await openSession(nodeA);
    // The operator rotates from anywhere: a new key in the shared ring, the old one retired.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/cli/widgetAdmin.ts', 'keys', 'rotate'], { env: { PATH: process.env.PATH ?? '', ...database.env } });
    const fresh = { kid: /New active session key (\S+);/.exec(stdout)![1]! };
    expect(kidOf(before.token)).not.toBe(fresh.kid);

    // Node A rereads its signing key after CACHE_TTL (1 s); poll, bounded.
    let rotated: string | undefined;
    for (let i = 0; i < 40 && !rotated; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const refreshed = await call(nodeA, 'POST', '/api/session/refresh', before.token);
      expect(refreshed.status).toBe(200);
      if (kidOf(refreshed.body!.token) === fresh.kid) rotated = refreshed.body!.token;
    }
    expect(rotated, 'node A never signed with the rotated key').toBeDefined();

    expect((await call(nodeB, 'GET', '/api/me', rotated)).status).toBe(200);
    // Tokens signed before the rotation keep working until they expire: nobody is logged out.
    expect((await call(nodeB, 'GET', '/api/me', before.token)).status).toBe(200);
  });

  it('gives one user to concurrent first launches of one host user on both nodes', async () => {
    const sub = `first-timer-${crypto.randomUUID()}`;
    const sessions = await Promise.all(Array.from({ length: 8 }, (_, i) => openSession(i % 2 === 0 ? nodeA : nodeB, { sub })));
    expect(new Set(sessions.map((s) => s.user.id)).size).toBe(1);
    expect(await db('users').where({ tenant_id: host.id, external_id: sub }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});
