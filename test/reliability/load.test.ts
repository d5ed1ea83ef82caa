import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HsTenant } from '../../server/admin/tenants.ts';
import { unlessStalled } from './support/hangGuard.ts';
import { figure, report } from './support/scale.ts';
import { seedFromEnv, seededRandom } from './support/seededRandom.ts';
import { launchTokenFor, openSession, prepareDatabase, startServerProcess, type ServerProcess } from './support/serverProcess.ts';
import { bootstrapOf } from '../helpers/launchPage.ts';

// Mixed traffic against the real server process: reads, writes and launches
// from many users at once. Every answer must be the one the protocol promises
// for that request (so 0 errors means no 5xx, no 4xx, no socket error), and
// afterwards every acknowledged write must read back exactly.

const TOTAL = figure('LOAD_REQUESTS', 10_000, 100_000);
const CONCURRENCY = figure('LOAD_CONCURRENCY', 100, 100);
// Every planned request is made, however slow the machine; the run fails only
// on a hang (support/hangGuard.ts).
const SEED = seedFromEnv(20261125);
const USERS = 24;
const CONTEXTS = ['page:1', 'page:2', 'page:3', 'space:team'];

interface Actor {
  sub: string;
  ctx: string;
  token: string;
}

interface TrackedNote {
  id: string;
  ctx: string;
  body: string;
  deleted: boolean;
}

const MIX = [
  ['list', 28],
  ['me', 8],
  ['health', 4],
  ['create', 25],
  ['edit', 8],
  ['remove', 4],
  ['refresh', 5],
  ['launchForm', 6],
  ['launchQuery', 4],
  ['relaunch', 8],
] as const;
type Op = (typeof MIX)[number][0];

let server: ServerProcess;
let tenant: HsTenant;
let drop: (() => Promise<void>) | undefined;
const actors: Actor[] = [];

beforeAll(async () => {
  const prepared = await prepareDatabase(['load-host']);
  drop = prepared.drop;
  tenant = prepared.tenants[0]!;
  // Launch rate limits have their own tests; here one address launches thousands of times.
  server = await startServerProcess({ database: prepared.env, env: { LAUNCH_RATE_PER_IP: '1000000', LAUNCH_RATE_PER_TENANT: '1000000' } });
  for (let i = 0; i < USERS; i++) {
    const sub = `load-user-${i}`;
    const ctx = CONTEXTS[i % CONTEXTS.length]!;
    actors.push({ sub, ctx, token: (await openSession(server, tenant, { sub, ctx, name: `User ${i}` })).token });
  }
});

afterAll(async () => {
  await server?.stop();
  await drop?.();
});

const bootstrapToken = (html: string) => (bootstrapOf(html)?.token as string | undefined) ?? null;

describe(`load: ${TOTAL} mixed requests at concurrency ${CONCURRENCY}`, () => {
  it('answers every request as the protocol says, loses no write, and stops by itself', async () => {
    const random = seededRandom(SEED);
    const weights = MIX.reduce((sum, [, w]) => sum + w, 0);
    const plan: Array<{ op: Op; actor: number; text: string }> = [];
    for (let n = 0; n < TOTAL; n++) {
      let roll = random.int(weights);
      const op = MIX.find(([, w]) => (roll -= w) < 0)![0];
      plan.push({ op, actor: random.int(USERS), text: `load ${n} ${random.pick(['plain', 'ünïcödé', '😀 emoji', '<b>markup</b>', 'quote " \\ slash'])}` });
    }

    const notes = new Map<string, TrackedNote>();
    // Notes nobody is editing or deleting right now, per author: an edit and a
    // delete never race on one note, so its final state is known exactly.
    const idle = new Map<string, TrackedNote[]>(actors.map((a) => [a.sub, []]));
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    const latencies: number[] = [];
    const perOp: Record<string, number[]> = {};
    let next = 0;
    let completed = 0;
    let staleSockets = 0;

    // node:http with a keep-alive pool: far less client CPU than fetch, which
    // matters when client and server share two cores.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const call = (method: string, path: string, init: { token?: string; json?: unknown; form?: URLSearchParams } = {}) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const headers: Record<string, string> = {};
        if (init.token) headers.Authorization = `Bearer ${init.token}`;
        const body = init.json !== undefined ? JSON.stringify(init.json) : init.form?.toString();
        if (init.json !== undefined) headers['Content-Type'] = 'application/json';
        if (init.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
        if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
        let answered = false;
        const send = (): void => {
          const request = http.request(`${server.url}${path}`, { method, headers, agent }, (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            answered = true;
            response.on('end', () => resolve({ status: response.statusCode!, text }));
            response.on('error', reject);
          });
          request.on('error', (err: NodeJS.ErrnoException) => {
            // The keep-alive race Node's docs describe (request.reusedSocket): the
            // server closed an idle connection (its 5 s keepAliveTimeout; a busy
            // machine can pause this client that long) just as we reused it. The
            // server never read this request, so it is sent again on a new one; a
            // duplicate write would still show as an unexpected note below.
            if (request.reusedSocket && err.code === 'ECONNRESET' && !answered) {
              staleSockets++;
              send();
            } else reject(err);
          });
          request.end(body);
        };
        send();
      });

    async function perform(op: Op, actor: Actor, text: string): Promise<{ status: number; expected: number; text: string }> {
      switch (op) {
        case 'list':
          return { ...(await call('GET', '/api/notes?limit=20', { token: actor.token })), expected: 200 };
        case 'me':
          return { ...(await call('GET', '/api/me', { token: actor.token })), expected: 200 };
        case 'health':
          return { ...(await call('GET', '/healthz')), expected: 200 };
        case 'edit':
        case 'remove': {
          const note = idle.get(actor.sub)!.pop();
          if (note) {
            const result =
              op === 'edit'
                ? await call('PATCH', `/api/notes/${note.id}`, { token: actor.token, json: { body: `${text} (edited)` } })
                : await call('DELETE', `/api/notes/${note.id}`, { token: actor.token });
            if (op === 'edit' && result.status === 200) note.body = `${text} (edited)`;
            if (op === 'remove' && result.status === 204) note.deleted = true;
            else idle.get(actor.sub)!.push(note);
            return { ...result, expected: op === 'edit' ? 200 : 204 };
          }
          // Nothing of theirs to change yet: write instead.
          return perform('create', actor, text);
        }
        case 'create': {
          const result = await call('POST', '/api/notes', { token: actor.token, json: { body: text } });
          if (result.status === 201) {
            const note: TrackedNote = { id: (JSON.parse(result.text) as { note: { id: string } }).note.id, ctx: actor.ctx, body: text, deleted: false };
            notes.set(note.id, note);
            idle.get(actor.sub)!.push(note);
          }
          return { ...result, expected: 201 };
        }
        case 'refresh': {
          const result = await call('POST', '/api/session/refresh', { token: actor.token });
          if (result.status === 200) actor.token = (JSON.parse(result.text) as { token: string }).token;
          return { ...result, expected: 200 };
        }
        case 'relaunch': {
          const result = await call('POST', '/api/session', { json: { jwt: launchTokenFor(server, tenant, { sub: actor.sub, ctx: actor.ctx }) } });
          if (result.status === 200) actor.token = (JSON.parse(result.text) as { token: string }).token;
          return { ...result, expected: 200 };
        }
        case 'launchForm':
        case 'launchQuery': {
          const jwt = launchTokenFor(server, tenant, { sub: actor.sub, ctx: actor.ctx });
          const result =
            op === 'launchForm'
              ? await call('POST', '/launch', { form: new URLSearchParams({ jwt }) })
              : await call('GET', `/launch?jwt=${jwt}`);
          const token = result.status === 200 ? bootstrapToken(result.text) : null;
          if (token) actor.token = token;
          return { ...result, expected: 200, status: token || result.status !== 200 ? result.status : -1 };
        }
      }
    }

    const worker = async () => {
      while (next < plan.length) {
        const { op, actor, text } = plan[next++]!;
        const started = performance.now();
        try {
          const result = await perform(op, actors[actor]!, text);
          counts[result.status] = (counts[result.status] ?? 0) + 1;
          if (result.status !== result.expected) failures.push(`${op}: ${result.status} (expected ${result.expected}) ${result.text.slice(0, 200)}`);
        } catch (err) {
          counts.socket = (counts.socket ?? 0) + 1;
          failures.push(`${op}: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
        }
        latencies.push(performance.now() - started);
        (perOp[op] ??= []).push(performance.now() - started);
        completed++;
      }
    };
    const started = performance.now();
    await unlessStalled(Promise.all(Array.from({ length: CONCURRENCY }, worker)), () => completed, () => `${completed} of ${TOTAL} requests done; server output: ${server.output().slice(-2000)}`);
    const seconds = (performance.now() - started) / 1000;

    // Read every thread back through the API and compare with what was acknowledged.
    const present = new Map<string, { body: string; ctx: string }>();
    for (const ctx of CONTEXTS) {
      const reader = actors.find((a) => a.ctx === ctx)!;
      let cursor: string | null = null;
      do {
        const page = await call('GET', `/api/notes?limit=100${cursor ? `&before=${cursor}` : ''}`, { token: reader.token });
        expect(page.status).toBe(200);
        const parsed = JSON.parse(page.text) as { notes: Array<{ id: string; body: string }>; nextCursor: string | null };
        for (const note of parsed.notes) present.set(note.id, { body: note.body, ctx });
        cursor = parsed.nextCursor;
      } while (cursor);
    }
    agent.destroy();
    const live = [...notes.values()].filter((n) => !n.deleted);
    const lost = live.filter((n) => present.get(n.id)?.body !== n.body || present.get(n.id)?.ctx !== n.ctx);
    const resurrected = [...notes.values()].filter((n) => n.deleted && present.has(n.id));
    const unexpected = [...present.keys()].filter((id) => !notes.has(id));

    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
    report('load', {
      seed: SEED,
      requests: completed,
      concurrency: CONCURRENCY,
      seconds: Math.round(seconds * 10) / 10,
      perSecond: Math.round(completed / seconds),
      p50ms: at(0.5),
      p99ms: at(0.99),
      statuses: counts,
      p50msByOp: Object.fromEntries(Object.entries(perOp).map(([op, ms]) => [op, Math.round(ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!)])),
      errors: failures.length,
      staleKeepAliveRetries: staleSockets,
      notesAcknowledged: notes.size,
      notesDeleted: notes.size - live.length,
      notesPresent: present.size,
      lostWrites: lost.length + resurrected.length,
    });

    expect(failures.slice(0, 10)).toEqual([]);
    expect(completed).toBe(TOTAL);
    expect(lost.map((n) => n.id)).toEqual([]);
    expect(resurrected.map((n) => n.id)).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(present.size).toBe(live.length);
    expect(server.logRecords().filter((r) => r.level === 'error')).toEqual([]);
  }, 3_600_000);
});
