import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/connect.ts';
import { fuzzCase, FUZZ_FAMILIES, type FuzzTarget } from './support/fuzzCases.ts';
import { sendRaw, type RawAnswer } from './support/rawHttp.ts';
import { unlessStalled } from './support/hangGuard.ts';
import { figure, report } from './support/scale.ts';
import { seedFromEnv, seededRandom } from './support/seededRandom.ts';
import { parseLogLine } from '../../support/serverProcess.ts';
import { openSession, prepareDatabase, startServerProcess, type ServerProcess } from './support/serverProcess.ts';

// Seeded fuzzing of the real server process over raw sockets: every case must
// get an HTTP answer that is 2xx (a valid request) or 4xx, never 5xx, never a
// hang or a dropped connection; the server must stay up with bounded memory
// and log no unhandled error. Replay one run with RELIABILITY_SEED=<seed>.

const CASES = figure('FUZZ_CASES', 6000, 100_000);
const CONCURRENCY = 16;
const SEED = seedFromEnv(424242);
/** Growth of the server's resident memory from warm-up to the end of the run. */
const RSS_GROWTH_LIMIT = 96 * 1024 * 1024;

let server: ServerProcess;
let target: FuzzTarget;
let dir: string;

beforeAll(async () => {
  const prepared = await prepareDatabase(['fuzz-host']);
  dir = prepared.dir;
  const tenant = prepared.tenants[0]!;
  server = await startServerProcess({ database: prepared.env, env: { LAUNCH_RATE_PER_IP: '1000000', LAUNCH_RATE_PER_TENANT: '1000000' } });
  const session = await openSession(server, tenant, { sub: 'fuzz-owner', ctx: 'page:fuzz' });
  const created = await fetch(`${server.url}/api/notes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ body: 'the note fuzzed requests aim at' }),
  });
  const noteId = ((await created.json()) as { note: { id: string } }).note.id;

  // The server's signing key, read beside it (WAL allows a second reader), so
  // that mutated session claims reach the checks behind the signature.
  const db = createDb({ client: 'sqlite', filename: prepared.dbFile! });
  const key = (await db('signing_keys').whereNull('retired_at').first()) as { kid: string; secret: string };
  await db.destroy();

  target = {
    audience: server.audience,
    issuer: tenant.issuer,
    tenantSecret: tenant.secret,
    sessionToken: session.token,
    sessionKey: { kid: key.kid, secret: Buffer.from(key.secret, 'base64url') },
    sessionClaims: JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>,
    noteId,
    nowSec: () => Math.floor(Date.now() / 1000),
  };
});

afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const acceptable = (answer: RawAnswer) => answer.outcome === 'answered' && answer.status !== null && ((answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500));

describe(`fuzz: ${CASES} seeded hostile requests`, () => {
  it('answers every one with 2xx or 4xx, stays up, keeps memory bounded and logs no unhandled error', async () => {
    const random = seededRandom(SEED);
    // Generated up front and in order, so case i is the same on every run with this seed.
    const cases = Array.from({ length: CASES }, () => fuzzCase(random, target));
    const byFamily: Record<string, Record<string, number>> = Object.fromEntries(FUZZ_FAMILIES.map((f) => [f, {}]));
    const failures: string[] = [];
    let next = 0;
    let completed = 0;
    let rssWarm: number | null = null;
    let rssPeak = 0;

    const started = performance.now();
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const { family, bytes } = cases[index]!;
        const answer = await sendRaw(server.port, bytes);
        const key = answer.status === null ? answer.outcome : String(answer.status);
        byFamily[family]![key] = (byFamily[family]![key] ?? 0) + 1;
        if (!acceptable(answer)) {
          failures.push(`case ${index} (${family}, seed ${SEED}): ${answer.outcome} ${answer.status ?? ''} ${answer.head.split('\r\n')[0]} <- ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}`);
        }
        if (index % 250 === 0) {
          const rss = server.rssBytes();
          if (rss !== null) {
            rssPeak = Math.max(rssPeak, rss);
            if (index >= CASES / 10 && rssWarm === null) rssWarm = rss;
          }
        }
        completed++;
      }
    };
    // Every case is sent however slow the machine; only a hang fails the run.
    await unlessStalled(Promise.all(Array.from({ length: CONCURRENCY }, worker)), () => completed, () => `${completed} of ${CASES} cases done`);
    const seconds = (performance.now() - started) / 1000;
    const done = Math.min(next, cases.length);

    const health = await fetch(`${server.url}/healthz`);
    const rssEnd = server.rssBytes();
    const statuses: Record<string, number> = {};
    for (const counts of Object.values(byFamily)) for (const [k, n] of Object.entries(counts)) statuses[k] = (statuses[k] ?? 0) + n;
    const errorLogs = server.logRecords().filter((r) => r.level === 'error');
    report('fuzz', {
      seed: SEED,
      cases: done,
      seconds: Math.round(seconds * 10) / 10,
      statuses,
      failures: failures.length,
      rssWarmMiB: rssWarm && Math.round(rssWarm / 2 ** 20),
      rssEndMiB: rssEnd && Math.round(rssEnd / 2 ** 20),
      rssPeakMiB: Math.round(Math.max(rssPeak, rssEnd ?? 0) / 2 ** 20),
      errorLogs: errorLogs.length,
      byFamily,
    });

    expect(failures.slice(0, 15)).toEqual([]);
    expect(done).toBe(CASES);
    expect(health.status).toBe(200);
    expect(errorLogs.slice(0, 5)).toEqual([]);
    // Every stdout line is one JSON object, whatever the input looked like.
    const stdoutLines = server.stdout().split('\n').filter((l) => l !== '');
    expect(stdoutLines.filter((l) => parseLogLine(l) === null).slice(0, 5)).toEqual([]);
    if (rssWarm !== null && rssEnd !== null) expect(rssEnd - rssWarm).toBeLessThan(RSS_GROWTH_LIMIT);
  }, 3_600_000);
});
