import fs from 'node:fs';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/connect.ts';
import { openSession, prepareDatabase, startServerProcess, type ServerProcess } from './support/serverProcess.ts';

// SIGTERM (what an orchestrator sends before it kills): stop accepting, let the
// requests already in flight finish, close the database, exit 0, all within
// the server's 10 s grace period; past it, give up with exit code 1.

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function startWithSession() {
  const { dir, dbFile, tenants } = await prepareDatabase(['shutdown-host']);
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServerProcess({ dbFile });
  cleanup.push(() => server.stop());
  const { token } = await openSession(server, tenants[0]!, { sub: 'busy-user', ctx: 'page:shutdown' });
  return { server, dbFile, token };
}

/** A POST /api/notes whose body is sent in two halves, so the test decides when it can complete. */
function halfSentNote(server: ServerProcess, token: string, body: string, agent: http.Agent) {
  const payload = Buffer.from(JSON.stringify({ body }));
  const half = Math.floor(payload.length / 2);
  let sendRest!: () => void;
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      `${server.url}/api/notes`,
      { method: 'POST', agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': payload.length } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      },
    );
    request.on('error', reject);
    request.write(payload.subarray(0, half));
    sendRest = () => request.end(payload.subarray(half));
  });
  return { answer, sendRest: () => sendRest() };
}

const until = async (what: string, condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const requestsSeen = (server: ServerProcess) => server.logRecords().filter((r) => r.event === 'request').length;

describe.concurrent('graceful shutdown on SIGTERM', () => {
  it('finishes the requests in flight, refuses new connections, closes the database and exits 0', async () => {
    const { server, dbFile, token } = await startWithSession();
    // Keep-alive, as browsers do: idle connections must not hold the shutdown up.
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    const inFlight = Array.from({ length: 8 }, (_, i) => halfSentNote(server, token, `written during shutdown ${i}`, agent));
    await new Promise((resolve) => setTimeout(resolve, 300));

    server.signal('SIGTERM');
    await until('the shutdown log line', () => server.logRecords().some((r) => r.event === 'shutdown'));
    const refused = await fetch(`${server.url}/healthz`).then(
      (r) => `answered ${r.status}`,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
    );
    expect(refused).toBe('ECONNREFUSED');

    const sentAt = Date.now();
    for (const request of inFlight) request.sendRest();
    const answers = await Promise.all(inFlight.map((r) => r.answer));
    expect(answers.map((a) => a.status)).toEqual(inFlight.map(() => 201));

    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // Well inside the 10 s grace: nothing waited for keep-alive connections to time out.
    expect(Date.now() - sentAt).toBeLessThan(4000);
    expect(server.logRecords().map((r) => r.event)).toContain('stopped');
    // SQLite removes the WAL file when its last connection closes cleanly (it stays after kill -9).
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(false);

    const db = createDb({ client: 'sqlite', filename: dbFile });
    try {
      const ids = answers.map((a) => (JSON.parse(a.text) as { note: { id: string } }).note.id);
      expect(await db('notes').whereIn('id', ids).count({ n: '*' })).toEqual([{ n: ids.length }]);
    } finally {
      await db.destroy();
    }
  }, 30_000);

  it('gives up on a request that never completes once the grace period is over, with exit code 1', async () => {
    const { server, token } = await startWithSession();
    const agent = new http.Agent({ keepAlive: false });
    cleanup.push(() => agent.destroy());
    // Request lines go out at the end of their event-loop turn (logger.ts), so the launch's may follow its answer.
    await until("the launch's request line", () => server.logRecords().some((r) => r.event === 'request' && r.path === '/api/session'));
    const before = requestsSeen(server);
    const stuck = halfSentNote(server, token, 'never finished', agent);
    stuck.answer.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));

    const signalledAt = Date.now();
    server.signal('SIGTERM');
    const exit = await server.exited;
    const waited = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(waited).toBeGreaterThanOrEqual(9_500);
    expect(waited).toBeLessThan(12_000);
    expect(server.logRecords().map((r) => r.event)).toContain('shutdown_timeout');
    expect(requestsSeen(server)).toBe(before);
  }, 30_000);
});
