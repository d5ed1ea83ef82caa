import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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
  const { dbFile, env, tenants, drop } = await prepareDatabase(['shutdown-host']);
  cleanup.push(drop);
  const server = await startServerProcess({ database: env });
  cleanup.push(() => server.stop());
  const { token } = await openSession(server, tenants[0]!, { sub: 'busy-user', ctx: 'page:shutdown' });
  return { server, dbFile: dbFile!, token };
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
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.write(payload.subarray(0, half));
    sendRest = () => request.end(payload.subarray(half));
  });
  // A test that fails before awaiting the answer leaves the request to the
  // clean-up, which resets its socket ("socket hang up", ECONNRESET): that
  // rejection belongs to the failed test, not to an unhandled-error report.
  answer.catch(() => {});
  return { answer, sendRest: () => sendRest() };
}

/**
 * How a new connection to `port` fails, on a connection of its own: fetch()
 * would reuse a keep-alive connection from its pool (openSession left one),
 * which the server then closes (UND_ERR_SOCKET) instead of refusing anything.
 */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

// A closed listening port is refused (ECONNREFUSED); a connection the kernel had
// queued just before the listener closed is reset instead (ECONNRESET). Both
// mean "not accepted"; only "connected" would be wrong.
const NOT_ACCEPTED = ['ECONNREFUSED', 'ECONNRESET'];

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
    expect(NOT_ACCEPTED).toContain(await connectOutcome(server.port));

    for (const request of inFlight) request.sendRest();
    const answers = await Promise.all(inFlight.map((r) => r.answer));
    expect(answers.map((a) => a.status)).toEqual(inFlight.map(() => 201));

    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const events = server.logRecords().map((r) => r.event);
    expect(events).toContain('stopped');
    expect(events).not.toContain('shutdown_timeout');
    // Nothing waited for the idle keep-alive connections to time out (Node's
    // keepAliveTimeout, 5 s): measured on the server's own log clock, from its
    // last answer to 'stopped', where the work left is closing the database.
    const timeOf = (record: Record<string, unknown> | undefined) => Date.parse(String(record?.time));
    const lastAnswer = server.logRecords().filter((r) => r.event === 'request').at(-1);
    const stopped = server.logRecords().find((r) => r.event === 'stopped');
    expect(timeOf(stopped) - timeOf(lastAnswer)).toBeLessThan(5_000);
    // SQLite removes the WAL file when its last connection closes cleanly (it stays after kill -9).
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(false);

    const db = createDb({ client: 'sqlite', filename: dbFile });
    try {
      const ids = answers.map((a) => (JSON.parse(a.text) as { note: { id: string } }).note.id);
      expect(await db('notes').whereIn('id', ids).count({ n: '*' })).toEqual([{ n: ids.length }]);
    } finally {
      await db.destroy();
    }
  });

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
    // Exit code 1 and no signal: the server's own grace timer ended it, not our
    // SIGKILL. It cannot fire early; how late a busy machine runs it does not matter.
    expect(exit).toEqual({ code: 1, signal: null });
    expect(waited).toBeGreaterThanOrEqual(9_500);
    expect(server.logRecords().map((r) => r.event)).toContain('shutdown_timeout');
    expect(requestsSeen(server)).toBe(before);
  });
});
