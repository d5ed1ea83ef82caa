import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/connect.ts';

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
