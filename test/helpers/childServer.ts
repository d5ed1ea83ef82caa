import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

// Real `server/main.ts` processes for tests that need more than one node or
// the startup path itself. Every child is killed when its test stops it, and
// any left (a failed hook, a crashed worker) when the test process exits.

const PORT_RANGE = { first: 3300, last: 3399 };
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killAll();
    // Our listener is gone now: the signal's default action (or vitest's own handler) takes over.
    process.kill(process.pid, signal);
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A port in this project's test range (3300-3399) that nothing listens on; never the same twice in one process. */
export async function freePort(): Promise<number> {
  const size = PORT_RANGE.last - PORT_RANGE.first + 1;
  // Start at a random spot: the sqlite and pg runs of the suite probe at the same time.
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = PORT_RANGE.first + ((start + i) % size);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

export interface ChildServer {
  url: string;
  /** The process this helper started (npm's, with `npmScript`). */
  pid: number;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** What to run: the TypeScript entry through tsx (`npm start`), a built bundle, or an npm script exactly as an operator types it. */
export interface ServerEntry {
  bundle?: string;
  /** e.g. 'start:prod': `npm run start:prod`, npm's own process being the child. */
  npmScript?: string;
  /** Run as this user and group (a test started as root that needs permission errors to happen). */
  uid?: number;
  gid?: number;
}

function spawnMain(env: Record<string, string>, entry: ServerEntry = {}): { child: ChildProcess; output: () => string; stderr: () => string; exited: Promise<number | null> } {
  const [command, args] = entry.npmScript
    ? ['npm', ['run', entry.npmScript]]
    : [process.execPath, entry.bundle ? [entry.bundle] : ['--import', 'tsx', 'server/main.ts']];
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    uid: entry.uid,
    gid: entry.gid,
    // Only what a deployment would set: no vitest variables leak into the server.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  let errText = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    errText += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, output: () => text, stderr: () => errText, exited };
}

class PortTaken extends Error {}

/**
 * Starts `server/main.ts` with exactly `env` and resolves once /healthz answers
 * 200. Without PORT it picks one, and another if a parallel test took it first.
 */
export async function startServer(env: Record<string, string>, entry: ServerEntry = {}): Promise<ChildServer> {
  if (env.PORT) return startServerOn(env, entry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOn({ ...env, PORT: String(await freePort()) }, entry);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === 3) throw err;
    }
  }
}

async function startServerOn(env: Record<string, string>, entry: ServerEntry): Promise<ChildServer> {
  const { child, output, exited } = spawnMain(env, entry);
  const url = `http://127.0.0.1:${env.PORT}`;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const stop = async () => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) {
      const Failure = output().includes('EADDRINUSE') ? PortTaken : Error;
      throw new Failure(`server on ${url} exited with ${exitCode} before it was ready:\n${output()}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server on ${url} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const server = { url, pid: child.pid!, output, stop };
  started.add(server);
  void exited.then(() => started.delete(server));
  return server;
}

const started = new Set<ChildServer>();

/** Stops every server this process started and has not stopped yet: for afterAll, whatever failed before it. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.stop()));
}

/**
 * For a describe block (or a file) whose tests start server processes: a fresh
 * database before them, and after them every server stopped and the database dropped.
 */
export function serverTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await stopAllServers();
    await database?.drop();
  });
  return () => database!;
}

/** Runs `server/main.ts` expecting it to refuse to start; resolves with its exit code, output (stdout and stderr; stderr alone) and run time. */
export async function runServerUntilExit(
  env: Record<string, string>,
  timeoutMs = 20_000,
  entry: ServerEntry = {},
): Promise<{ code: number | null; output: string; stderr: string; ms: number }> {
  const started = Date.now();
  const { child, output, stderr, exited } = spawnMain(env, entry);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output(), stderr: stderr(), ms: Date.now() - started };
}
