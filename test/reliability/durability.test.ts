import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createDb } from '../../server/db/connect.ts';
import { TEST_DATABASE } from '../helpers/testDatabase.ts';
import { figure, report } from './support/scale.ts';
import { seedFromEnv, seededRandom } from './support/seededRandom.ts';
import { openSession, prepareDatabase, startServerProcess, type ServerProcess } from './support/serverProcess.ts';

// An acknowledged note survives kill -9. The server runs SQLite in WAL mode
// with synchronous=FULL (server/db/connect.ts): the 201 is sent only after the
// INSERT's commit returned, and a commit returns only once its WAL frames are
// written and fsynced. A process killed at any instant therefore leaves every
// acknowledged commit in the WAL file, and the next open replays it. (Killing
// the process alone would not lose a write() already in the OS page cache even
// with synchronous=NORMAL; FULL is what extends the promise to power loss and
// OS crashes, which this test cannot simulate.)
//
// The pg project runs the same file on PostgreSQL (TEST_DATABASE=pg): the
// server is killed while writing and the database stays up, so what it proves
// there is ours, not PostgreSQL's: a 201 is sent only after the commit.

const CYCLES = figure('DURABILITY_CYCLES', 2, 10);
const WRITERS = figure('DURABILITY_WRITERS', 24, 48);
const SEED = seedFromEnv(9);
const CONTEXTS = ['page:durable-1', 'page:durable-2'];

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function readAllNotes(server: ServerProcess, token: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const response = await fetch(`${server.url}/api/notes?limit=100${cursor ? `&before=${cursor}` : ''}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { notes: Array<{ id: string; body: string }>; nextCursor: string | null };
    for (const note of page.notes) found.set(note.id, note.body);
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

describe(`durability under kill -9 (${TEST_DATABASE === 'pg' ? 'PostgreSQL' : 'SQLite'})`, () => {
  it(`keeps every acknowledged note across ${CYCLES} SIGKILLs in the middle of concurrent writes`, async () => {
    const random = seededRandom(SEED);
    const { dbFile, env, tenants, drop } = await prepareDatabase(['durable-host'], TEST_DATABASE);
    const tenant = tenants[0]!;
    cleanup.push(drop);

    let server = await startServerProcess({ database: env });
    cleanup.push(() => server.stop());
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => openSession(server, tenant, { sub: `writer-${i}`, ctx: CONTEXTS[i % CONTEXTS.length]! }).then((s) => ({ ...s, ctx: CONTEXTS[i % CONTEXTS.length]! }))),
    );

    const acknowledged = new Map<string, { body: string; ctx: string }>();
    let attempted = 0;
    let unanswered = 0;
    const perCycle: Array<{ acknowledged: number; unanswered: number; walBytesAtKill: number }> = [];

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const killAfter = acknowledged.size + 150 + random.int(250);
      let killed = false;
      let cycleUnanswered = 0;
      const before = acknowledged.size;
      const current = server;

      await Promise.all(
        writers.map(async (writer, w) => {
          for (let n = 0; !killed; n++) {
            const body = `cycle ${cycle} writer ${w} note ${n} ${random.int(1e9)}`;
            attempted++;
            let response: Response;
            let text: string;
            try {
              response = await fetch(`${current.url}/api/notes`, {
                method: 'POST',
                headers: { Authorization: `Bearer ${writer.token}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({ body }),
              });
              text = await response.text();
            } catch (err) {
              // Only requests cut off by the kill may go unanswered; their outcome is unknown.
              if (!killed) throw err;
              cycleUnanswered++;
              continue;
            }
            expect(response.status, text).toBe(201);
            acknowledged.set((JSON.parse(text) as { note: { id: string } }).note.id, { body, ctx: writer.ctx });
            if (!killed && acknowledged.size >= killAfter) {
              // Mid-stream: the other writers have requests in flight right now.
              killed = true;
              current.signal('SIGKILL');
            }
          }
        }),
      );
      const exit = await current.exited;
      expect(exit.signal).toBe('SIGKILL');
      const walBytesAtKill = dbFile && fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0;
      unanswered += cycleUnanswered;
      perCycle.push({ acknowledged: acknowledged.size - before, unanswered: cycleUnanswered, walBytesAtKill });

      // Same database, new process: session tokens stay valid because their keys live in the database.
      server = await startServerProcess({ database: env, port: current.port });
      const present = new Map<string, string>();
      for (const ctx of CONTEXTS) {
        for (const [id, body] of await readAllNotes(server, writers.find((w) => w.ctx === ctx)!.token)) present.set(id, body);
      }
      const missing = [...acknowledged].filter(([id, note]) => present.get(id) !== note.body);
      expect(missing.map(([id]) => id), `cycle ${cycle}: acknowledged notes missing after kill -9`).toEqual([]);
      // Present but never acknowledged: committed, then the process died before answering.
      expect(present.size - acknowledged.size).toBeLessThanOrEqual(unanswered);
    }

    await server.stop();
    const db = createDb(loadConfig(env).database);
    try {
      if (dbFile) {
        const check = (await db.raw('PRAGMA integrity_check')) as Array<{ integrity_check: string }>;
        expect(check[0]!.integrity_check).toBe('ok');
      }
      const stored = new Map(((await db('notes').select('id', 'body')) as Array<{ id: string; body: string }>).map((r) => [r.id, r.body]));
      const missing = [...acknowledged].filter(([id, note]) => stored.get(id) !== note.body).length;
      report('durability', {
        database: TEST_DATABASE,
        seed: SEED,
        kills: CYCLES,
        writers: WRITERS,
        attempted,
        acknowledged: acknowledged.size,
        presentAfterRestart: stored.size,
        acknowledgedButMissing: missing,
        unansweredAtKill: unanswered,
        committedButUnanswered: stored.size - (acknowledged.size - missing),
        perCycle,
      });
      expect(missing).toBe(0);
    } finally {
      await db.destroy();
    }
  }, 600_000 * Math.max(1, CYCLES / 2));
});
