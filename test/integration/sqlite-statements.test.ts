import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/connect.ts';
import { literalLimit, preparedSqlOf } from '../../server/db/preparedSelect.ts';
import { findSessionState, insertSession, revokeUserSessions } from '../../server/db/sessions.ts';
import { sqliteReader } from '../../server/db/sqliteReader.ts';
import { inWriteTransaction } from '../../server/db/writeTransaction.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// connect.ts reuses prepared statements per SQLite connection; reuse must never
// change an answer.

let dir: string;
let db: Db;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-stmt-'));
  db = createDb({ client: 'sqlite', filename: path.join(dir, 'stmt.sqlite') });
});
afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('prepared statement reuse on SQLite', () => {
  it('prepares one statement per SQL text and connection', async () => {
    const conn = (await db.client.acquireConnection()) as { prepare(sql: string): unknown };
    try {
      expect(conn.prepare('select 1 as one')).toBe(conn.prepare('select 1 as one'));
      expect(conn.prepare('select 2 as two')).not.toBe(conn.prepare('select 1 as one'));
    } finally {
      await db.client.releaseConnection(conn);
    }
  });

  it('answers each run with its own bindings', async () => {
    await db.schema.createTable('pairs', (t) => {
      t.integer('k').primary();
      t.string('v');
    });
    await db('pairs').insert([1, 2, 3].map((k) => ({ k, v: `value ${k}` })));
    for (const k of [3, 1, 2, 1, 99]) {
      const row = await db('pairs').select('v').where({ k }).first();
      expect(row?.v).toBe(k === 99 ? undefined : `value ${k}`);
    }
  });

  it('sees a schema change made after the statement was prepared', async () => {
    await db.schema.createTable('grows', (t) => t.integer('a'));
    await db('grows').insert({ a: 1 });
    expect(await db('grows').select('*')).toEqual([{ a: 1 }]);
    await db.schema.alterTable('grows', (t) => t.string('b').defaultTo('x'));
    expect(await db('grows').select('*')).toEqual([{ a: 1, b: 'x' }]);
  });
});

describe('page cache of the SQLite connections', () => {
  it('bounds the writer and the reader to 2 MB each, not the 16 MB better-sqlite3 is built with', async () => {
    expect(await db.raw('pragma cache_size')).toEqual([{ cache_size: -2048 }]);
    expect(sqliteReader(db)!.pragma('cache_size')).toEqual([{ cache_size: -2048 }]);
  });
});

describe('per-request reads as statements that stay prepared', () => {
  let app: TestApp;
  let reads: Db;
  beforeAll(async () => {
    app = await startTestApp({ env: { DATABASE_URL: `sqlite:${path.join(dir, 'app.sqlite')}` } });
    reads = app.db;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('compiles the session lookup and the notes page with named placeholders and a literal LIMIT', () => {
    const session = preparedSqlOf(reads, ['sid'], (db, { sid }) => literalLimit(db('sessions').select('id').where('id', sid), 1));
    expect(session).toBe('select `id` from `sessions` where `id` = @sid limit 1');
    // A bound LIMIT (what .first() and .limit(n) write) is refused where it would expire the statement.
    expect(() => preparedSqlOf(reads, ['sid'], (db, { sid }) => db('sessions').select('id').where('id', sid).limit(1))).toThrow(/bound 1 value/);
  });

  it('prepares each read once, however many calls and whatever their values', async () => {
    const reader = sqliteReader(reads)!;
    const prepare = reader.prepare.bind(reader);
    const prepared: string[] = [];
    reader.prepare = (sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    };
    try {
      const { token } = await app.launch({ ctx: 'stmt:one' });
      for (let i = 0; i < 5; i++) {
        expect((await app.api('POST', '/api/notes', token, { body: `note ${i}` })).status).toBe(201);
        expect((await app.api('GET', '/api/me', token)).status).toBe(200);
        const page = await app.api('GET', '/api/notes?limit=2', token);
        expect(page.status).toBe(200);
        const { nextCursor } = (await page.json()) as { nextCursor: string | null };
        if (nextCursor) expect((await app.api('GET', `/api/notes?limit=2&before=${encodeURIComponent(nextCursor)}`, token)).status).toBe(200);
      }
      // Each distinct text once: the session check, the read-back of a new note, the thread's seq, page 1, page 2 (and the launch page's 51).
      expect(prepared.length).toBe(new Set(prepared).size);
      expect(prepared.length).toBeLessThanOrEqual(6);
      expect(prepared.every((sql) => !sql.includes('?'))).toBe(true);
    } finally {
      reader.prepare = prepare;
    }
  });

  it('never sees a write before it commits, and sees a revocation as soon as it commits', async () => {
    const { token, bootstrap } = await app.launch({ ctx: 'stmt:two' });
    const user = bootstrap.user.id as string;
    const sid = crypto.randomUUID();
    await inWriteTransaction(app.db, async (tx) => {
      await insertSession(tx, { id: sid, tenantId: app.tenant.id, userId: user, ctx: 'stmt:two', createdAt: 1, expiresAt: 2, revokedAt: null });
      expect(await findSessionState(app.db, sid, { now: app.clock.now(), maxAgeMs: 0 })).toBeUndefined();
    });
    expect((await findSessionState(app.db, sid, { now: app.clock.now(), maxAgeMs: 0 }))?.expiresAt).toBe(2);

    expect((await app.api('GET', '/api/me', token)).status).toBe(200);
    await revokeUserSessions(app.db, user, app.clock.now());
    expect((await app.api('GET', '/api/me', token)).status).toBe(401);
  });
});
