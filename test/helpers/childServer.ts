import { afterAll, beforeAll } from 'vitest';
import { freePort, spawnProcess, startOnFreePorts, startServerProcess, type ProcessCommand, type ServerProcess } from '../../support/serverProcess.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';
import { TEST_SERVER_BUNDLE } from './testServerBundle.ts';

// Real server processes for tests that need more than one node or the startup
// path itself, started through support/serverProcess.ts (which also kills any
// left behind when the test process exits).

export { freePort };

const STOP_GRACE_MS = 5_000;

export interface ChildServer {
  url: string;
  /** The process this helper started (npm's, with `npmScript`). */
  pid: number;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * What to run: by default the run's server bundle with plain node (see
 * testServerBundle.ts); `typescript` runs server/main.ts through tsx as `npm
 * start` does; `bundle` another build; `npmScript` an npm script exactly as an
 * operator types it.
 */
export interface ServerEntry {
  typescript?: boolean;
  bundle?: string;
  /** e.g. 'start:prod': `npm run start:prod`, npm's own process being the child. */
  npmScript?: string;
  /** Run as this user and group (a test started as root that needs permission errors to happen). */
  uid?: number;
  gid?: number;
}

function commandFor(entry: ServerEntry): ProcessCommand {
  if (entry.npmScript) return { npmScript: entry.npmScript };
  return { script: entry.typescript ? 'server/main.ts' : (entry.bundle ?? TEST_SERVER_BUNDLE) };
}

const started = new Set<ServerProcess>();

/**
 * Starts the server with exactly `env` and resolves once /healthz answers 200.
 * Without PORT it picks one, and another if someone took it first.
 */
export async function startServer(env: Record<string, string>, entry: ServerEntry = {}): Promise<ChildServer> {
  const start = async (port: string) => {
    const url = `http://127.0.0.1:${port}`;
    const server = await startServerProcess({ command: commandFor(entry), env: { ...env, PORT: port }, uid: entry.uid, gid: entry.gid, ready: [`${url}/healthz`] });
    started.add(server);
    void server.exited.then(() => started.delete(server));
    return { url, pid: server.pid, output: server.output, stop: () => server.stop(STOP_GRACE_MS) };
  };
  return env.PORT ? start(env.PORT) : startOnFreePorts(1, ([port]) => start(String(port)));
}

/** Stops every server this process started and has not stopped yet: for afterAll, whatever failed before it. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.stop(STOP_GRACE_MS)));
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

/**
 * Runs the server expecting it to refuse to start; resolves with its exit code,
 * output (stdout and stderr; stderr alone) and whether it had to be killed
 * because it was still running after `hangMs` (a hang, not a slow machine).
 */
export async function runServerUntilExit(
  env: Record<string, string>,
  hangMs = 120_000,
  entry: ServerEntry = {},
): Promise<{ code: number | null; output: string; stderr: string; killed: boolean }> {
  const server = spawnProcess({ command: commandFor(entry), env, uid: entry.uid, gid: entry.gid });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    server.signal('SIGKILL');
  }, hangMs);
  const { code } = await server.exited;
  clearTimeout(timer);
  return { code, output: server.output(), stderr: server.stderr(), killed };
}
