import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/connect.ts';
import { walSyncOf } from '../../server/db/durableCommits.ts';
import { transactionStatement } from '../../server/db/transactionStatement.ts';
import type { WalSync } from '../../server/db/walSync.ts';
import { inWriteTransaction } from '../../server/db/writeTransaction.ts';

// durableCommits.ts: on SQLite a write is acknowledged (its promise resolves)
// only once the WAL holding it was fsynced, off the event loop, and writes
// waiting together share one fsync.

let dir: string;
let file: string;
let db: Db;
let wal: WalSync;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-durable-'));
  file = path.join(dir, 'durable.sqlite');
  db = createDb({ client: 'sqlite', filename: file });
  wal = (await walSyncOf(db))!;
  await db.schema.createTable('items', (t) => {
    t.integer('k').primary();
    t.string('v');
  });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Records, in order, when each fsync finished and when each write resolved. */
function watchSyncs(): string[] {
  const events: string[] = [];
  const sync = wal.sync.bind(wal);
  wal.sync = () => sync().then(() => void events.push('fsynced'));
  return events;
}

/** Holds every fsync of the WAL until the returned function is called (the disk is "slow"). */
function holdSyncs(): () => void {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const target = wal as unknown as { fsync(): Promise<void> };
  const fsync = target.fsync.bind(wal);
  target.fsync = () => gate.then(fsync);
  return open;
}

/** Lets the event loop turn a few times, so anything not waiting for the disk gets done. */
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('durable commits on SQLite', () => {
  it('resolves a write only after an fsync of the WAL that holds it', async () => {
    const events = watchSyncs();
    const before = wal.syncs;
    await db('items').insert({ k: 1, v: 'one' });
    events.push('insert resolved');
    await db('items').where({ k: 1 }).update({ v: 'uno' });
    events.push('update resolved');
    expect(events).toEqual(['fsynced', 'insert resolved', 'fsynced', 'update resolved']);
    expect(wal.syncs - before).toBe(2);
  });

  it('writes the next write while an fsync is in flight, and acknowledges neither before its fsync', async () => {
    const release = holdSyncs();
    const before = wal.syncs;
    const acknowledged: number[] = [];
    const write = (k: number) => db('items').insert({ k, v: String(k) }).then(() => void acknowledged.push(k));
    const writes = [write(1)];
    await turns(); // the first write's fsync has started, and is held
    writes.push(...[2, 3, 4, 5].map(write));
    await turns();
    // All five committed (readable) while the first fsync is held: the connection did not wait for it.
    expect(await db('items').count({ n: '*' })).toEqual([{ n: 5 }]);
    expect(acknowledged).toEqual([]);
    release();
    await Promise.all(writes);
    expect(acknowledged.sort()).toEqual([1, 2, 3, 4, 5]);
    // The first write's fsync, and one more for the four made while it was in flight.
    expect(wal.syncs - before).toBe(2);
  });

  it('shares one fsync among transactions that commit while one is in flight', async () => {
    const release = holdSyncs();
    const before = wal.syncs;
    let acknowledged = 0;
    const transaction = (k: number) =>
      db
        .transaction(async (trx) => {
          await trx('items').insert({ k, v: 'a' });
          await trx('items').where({ k }).update({ v: 'b' });
        })
        .then(() => void acknowledged++);
    const transactions = [transaction(1)];
    await turns(); // the first one's fsync has started, and is held
    transactions.push(...[2, 3, 4].map(transaction));
    await turns();
    expect(await db('items').where({ v: 'b' }).count({ n: '*' })).toEqual([{ n: 4 }]);
    expect(acknowledged).toBe(0);
    release();
    await Promise.all(transactions);
    expect(acknowledged).toBe(4);
    expect(wal.syncs - before).toBe(2);
  });

  it('shares one fsync among the writes committed in the same turn of the event loop', async () => {
    const release = holdSyncs();
    const before = wal.syncs;
    let acknowledged = 0;
    // As the requests read in one turn do: each commits before the fsync starts, at the end of the turn.
    const writes = [1, 2, 3, 4, 5].map((k) => db('items').insert({ k, v: String(k) }).then(() => void acknowledged++));
    await turns();
    expect(acknowledged).toBe(0);
    release();
    await Promise.all(writes);
    expect(acknowledged).toBe(5);
    expect(wal.syncs - before).toBe(1);
  });

  it('runs a sync requested just before it closes, and closes the WAL after it', async () => {
    await db('items').insert({ k: 1, v: 'one' });
    const before = wal.syncs;
    const synced = wal.sync();
    await wal.close();
    await synced;
    expect(wal.syncs).toBe(before + 1);
    expect((wal as unknown as { handle: unknown }).handle).toBeNull();
  });

  it('does not wait for the disk on reads', async () => {
    await db('items').insert({ k: 1, v: 'one' });
    const before = wal.syncs;
    for (let i = 0; i < 5; i++) expect(await db('items').select('v').where({ k: 1 })).toEqual([{ v: 'one' }]);
    expect(wal.syncs).toBe(before);
  });

  it('makes one transaction one fsync, at its commit', async () => {
    const events = watchSyncs();
    await db.transaction(async (trx) => {
      for (let k = 1; k <= 3; k++) await trx('items').insert({ k, v: String(k) });
      events.push('last write inside');
    });
    events.push('transaction resolved');
    expect(events).toEqual(['last write inside', 'fsynced', 'transaction resolved']);
  });

  it('writes with synchronous=OFF only because it waits for the fsync itself', async () => {
    expect(await db.raw('pragma synchronous')).toEqual([{ synchronous: 0 }]);
    expect(await db.raw('pragma wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);
  });

  it('syncs the one WAL SQLite writes to: no other connection can replace it while the writer is open', async () => {
    await db('items').insert({ k: 1, v: 'one' });
    const walFile = `${file}-wal`;
    const inode = fs.statSync(walFile).ino;
    // Another process on the file (a second node, the CLI): it can neither leave WAL mode nor delete the WAL on close.
    const Driver = (db.client as { driver: new (filename: string, options: { timeout: number }) => { pragma(sql: string): unknown; exec(sql: string): unknown; close(): void } }).driver;
    const other = new Driver(file, { timeout: 100 });
    expect(() => other.pragma('journal_mode = DELETE')).toThrow(/locked/);
    other.exec(`insert into items (k, v) values (2, 'two')`);
    other.close();
    expect(fs.statSync(walFile).ino).toBe(inode);
    const before = wal.syncs;
    await db('items').insert({ k: 3, v: 'three' });
    expect(wal.syncs).toBe(before + 1);
    expect(fs.statSync(walFile).ino).toBe(inode);
  });

  it('leaves every acknowledged write in the database file when it closes', async () => {
    for (let k = 1; k <= 250; k++) await db('items').insert({ k, v: 'x'.repeat(100) });
    await db.destroy();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    db = createDb({ client: 'sqlite', filename: file });
    wal = (await walSyncOf(db))!;
    expect(await db('items').count({ n: '*' })).toEqual([{ n: 250 }]);
  });
});

describe('write transactions of prepared statements (writeTransaction.ts) on SQLite', () => {
  const putItem = transactionStatement<{ k: number; v: string }>(['k', 'v'], (q, p) => q('items').insert({ k: p.k, v: p.v }));
  const itemValue = transactionStatement<{ k: number }, { v: string }>(['k'], (q, p) => q('items').select('v').where({ k: p.k }));
  const upsertItem = transactionStatement<{ k: number; v: string }>(['k', 'v'], (q, p) => q('items').insert({ k: p.k, v: p.v }).onConflict('k').merge({ v: p.v }));

  it('resolves only after an fsync of the WAL that began after its commit, and holds no one up meanwhile', async () => {
    const release = holdSyncs();
    const before = wal.syncs;
    let acknowledged = false;
    const write = inWriteTransaction(db, async (tx) => {
      await tx.changes(putItem, { k: 1, v: 'one' });
      return tx.rows(itemValue, { k: 1 });
    }).then((rows) => {
      acknowledged = true;
      return rows;
    });
    await turns();
    // Committed (another query sees it, on the same writer connection) but not acknowledged: the fsync is held.
    expect(await db('items').select('v').where({ k: 1 })).toEqual([{ v: 'one' }]);
    expect(acknowledged).toBe(false);
    release();
    expect(await write).toEqual([{ v: 'one' }]);
    expect(wal.syncs - before).toBe(1);
  });

  it('shares one fsync with the knex writes made while one is in flight', async () => {
    const release = holdSyncs();
    const before = wal.syncs;
    const first = db('items').insert({ k: 1, v: 'knex' });
    await turns();
    const others = [2, 3, 4].map((k) => inWriteTransaction(db, (tx) => tx.changes(putItem, { k, v: 'prepared' })));
    await turns();
    release();
    await Promise.all([first, ...others]);
    expect(wal.syncs - before).toBe(2);
  });

  it('rolls back every statement when the body throws, and leaves the writer usable', async () => {
    await expect(
      inWriteTransaction(db, async (tx) => {
        await tx.changes(putItem, { k: 1, v: 'one' });
        await tx.changes(putItem, { k: 1, v: 'duplicate key' });
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await db('items').count({ n: '*' })).toEqual([{ n: 0 }]);
    await inWriteTransaction(db, (tx) => tx.changes(putItem, { k: 2, v: 'two' }));
    expect(await db('items').select('k')).toEqual([{ k: 2 }]);
  });

  it('does not wait for the disk when it only read', async () => {
    await db('items').insert({ k: 1, v: 'one' });
    const before = wal.syncs;
    expect(await inWriteTransaction(db, (tx) => tx.rows(itemValue, { k: 1 }))).toEqual([{ v: 'one' }]);
    expect(wal.syncs).toBe(before);
  });

  it('builds each statement with knex once, not on every run', async () => {
    let builds = 0;
    const counted = transactionStatement<{ k: number; v: string }>(['k', 'v'], (q, p) => {
      builds++;
      return q('items').insert({ k: p.k, v: p.v });
    });
    for (let k = 1; k <= 5; k++) await inWriteTransaction(db, (tx) => tx.changes(counted, { k, v: String(k) }));
    expect(builds).toBe(1);
    expect(await db('items').count({ n: '*' })).toEqual([{ n: 5 }]);
  });

  it('frees the writer for the next write while its fsync is in flight, and acknowledges neither before its fsync', async () => {
    const release = holdSyncs();
    let acknowledged = 0;
    const transactions = [1, 2, 3].map((k) => inWriteTransaction(db, (tx) => tx.changes(upsertItem, { k, v: 'a' })).then(() => void acknowledged++));
    const knexWrite = db('items').insert({ k: 9, v: 'knex' }).then(() => void acknowledged++);
    await turns();
    expect(await db('items').count({ n: '*' })).toEqual([{ n: 4 }]);
    expect(acknowledged).toBe(0);
    release();
    await Promise.all([...transactions, knexWrite]);
    expect(acknowledged).toBe(4);
  });

  it('keeps a transaction open after a statement it caught failing, as knex transactions do', async () => {
    await db('items').insert({ k: 1, v: 'one' });
    await inWriteTransaction(db, async (tx) => {
      await expect(tx.changes(putItem, { k: 1, v: 'clash' })).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      await tx.changes(putItem, { k: 2, v: 'two' });
    });
    expect(await db('items').orderBy('k').select('k', 'v')).toEqual([
      { k: 1, v: 'one' },
      { k: 2, v: 'two' },
    ]);
  });

  it('runs one transaction at a time: a second waits for the writer, never writes inside the first', async () => {
    const order: string[] = [];
    let letFirstEnd!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (letFirstEnd = resolve));
    const first = inWriteTransaction(db, async (tx) => {
      await tx.changes(upsertItem, { k: 1, v: 'first' });
      order.push('first wrote');
      await firstMayEnd;
      order.push('first ends');
    });
    const second = inWriteTransaction(db, async (tx) => {
      order.push('second starts');
      await tx.changes(upsertItem, { k: 1, v: 'second' });
    });
    await turns();
    expect(order).toEqual(['first wrote']);
    letFirstEnd();
    await Promise.all([first, second]);
    expect(order).toEqual(['first wrote', 'first ends', 'second starts']);
    expect(await db('items').select('v')).toEqual([{ v: 'second' }]);
  });
});
